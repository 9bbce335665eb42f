package dev.kiamms.channel;

import dev.kiamms.mail.MailAddresses;
import dev.kiamms.mail.MailComposer;
import dev.kiamms.mail.delivery.DeliveryException;
import dev.kiamms.mail.delivery.DeliveryReport;
import dev.kiamms.mail.delivery.MailDelivery;

import jakarta.mail.internet.InternetAddress;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Mails the route's template through the configured MTAs: one mail, the first valid recipient as
 * To and the others as Cc (as the {@code accountaddemail} mail always went). Invalid addresses are
 * skipped and logged with the reqid.
 */
public final class EmailChannel implements Channel {

    private static final Logger LOG = Logger.getLogger("kiamms.mail");

    private final Supplier<MailComposer> composer;
    private final Supplier<MailDelivery> delivery;

    /** Suppliers, so that a configuration reload takes effect with the next message. */
    public EmailChannel(Supplier<MailComposer> composer, Supplier<MailDelivery> delivery) {
        this.composer = composer;
        this.delivery = delivery;
    }

    @Override
    public String name() {
        return "email";
    }

    @Override
    public boolean needsRecipients() {
        return true;
    }

    @Override
    public SendOutcome send(Outgoing o) {
        List<InternetAddress> to = addresses(o);
        if (to.isEmpty()) {
            return new SendOutcome.Failed("no valid address among " + o.recipients() + "; nothing sent", false);
        }
        MailComposer.Draft draft = new MailComposer.Draft(o.reqid(), o.template(), o.locale(), o.title(), to.get(0),
                to.subList(1, to.size()), o.data());
        try {
            MailAddresses.requireHeaderSafe("subject", o.title());
            DeliveryReport report = delivery.get().deliver(o.reqid(), o.key(), composer.get().compose(draft), null);
            return new SendOutcome.Delivered(report.mta() + " (" + report.where() + ")");
        } catch (DeliveryException e) {
            // After an ambiguous failure the mail may have arrived: sending it again could duplicate it.
            return e.ambiguous() ? new SendOutcome.Failed(e.getMessage(), true) : new SendOutcome.RetryLater(e.getMessage());
        } catch (IllegalArgumentException | IllegalStateException e) {
            return new SendOutcome.Failed(e.getMessage(), false); // a bad subject or template: a retry cannot help
        }
    }

    private static List<InternetAddress> addresses(Outgoing o) {
        List<InternetAddress> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < o.recipients().size(); i++) {
            try {
                InternetAddress a = MailAddresses.parse("recipient " + i, o.recipients().get(i));
                if (seen.add(a.getAddress().toLowerCase(Locale.ROOT))) {
                    out.add(a);
                }
            } catch (IllegalArgumentException e) {
                LOG.warning(() -> "reqid=" + o.reqid() + " " + o.key() + ": skipped " + e.getMessage());
            }
        }
        return out;
    }
}
