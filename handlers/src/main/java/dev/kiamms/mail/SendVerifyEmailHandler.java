package dev.kiamms.mail;

import dev.kiamms.mail.delivery.DeliveryException;
import dev.kiamms.mail.delivery.DeliveryReport;
import dev.kiamms.mail.delivery.MailDelivery;
import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.ActionHandler;
import dev.kiamms.pipeline.MessageContext;

import jakarta.mail.internet.InternetAddress;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Logger;

/** The {@code sendverifyemail} action: mail the user a link that proves the address is theirs. */
public final class SendVerifyEmailHandler implements ActionHandler<VerifyEmailRequest> {

    public static final String KEY = "sendverifyemail";
    public static final String TEMPLATE = "verify-email";
    private static final Logger LOG = Logger.getLogger("kiamms.mail");

    private final Supplier<MailComposer> composer;
    private final Supplier<MailDelivery> delivery;

    /** Suppliers, so that a configuration reload takes effect with the next message. */
    public SendVerifyEmailHandler(Supplier<MailComposer> composer, Supplier<MailDelivery> delivery) {
        this.composer = composer;
        this.delivery = delivery;
    }

    @Override
    public String key() {
        return KEY;
    }

    @Override
    public Class<VerifyEmailRequest> payloadType() {
        return VerifyEmailRequest.class;
    }

    @Override
    public boolean blocking() {
        return true;
    }

    @Override
    public Object handle(VerifyEmailRequest r, MessageContext context) throws ActionException {
        InternetAddress to;
        try {
            to = MailAddresses.parse("to", r.to());
            MailAddresses.absoluteWebUrl("href", r.href());
            MailAddresses.requireHeaderSafe("subject", required("subject", r.subject()));
        } catch (IllegalArgumentException e) {
            throw new ActionException(e.getMessage());
        }
        MailComposer.Draft draft = new MailComposer.Draft(context.reqid(), TEMPLATE, r.locale(), r.subject(), to, List.of(),
                Map.of("userid", nz(r.userid()), "to", to.toUnicodeString(), "href", r.href().strip(),
                        "expire", nz(r.expire())));
        try {
            DeliveryReport report = delivery.get().deliver(context.reqid(), composer.get().compose(draft, "href"));
            LOG.info(() -> "reqid=" + context.reqid() + " verify-email to " + to.getAddress() + " delivered via "
                    + report.mta() + " (" + report.where() + ")");
            return null;
        } catch (DeliveryException e) {
            if (e.ambiguous()) {
                // An MTA may have queued the mail. Not retryable: the pipeline's duplicate window
                // keeps this reply and gives it to every repeat of the reqid, so KrossIAM retrying
                // (or a redelivered copy) cannot mail the user a second link.
                throw new ActionException(e.getMessage() + "; it will not be sent again for this request (reqid "
                        + context.reqid() + ")", false);
            }
            throw new ActionException(e.getMessage());
        } catch (RuntimeException e) {
            throw new ActionException("the verification mail could not be composed: " + e.getMessage(), e);
        }
    }

    private static String required(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " missing");
        }
        return value;
    }

    static String nz(String s) {
        return s == null ? "" : s;
    }
}
