package dev.kiamms.mail;

import dev.kiamms.mail.delivery.DeliveryException;
import dev.kiamms.mail.delivery.DeliveryReport;
import dev.kiamms.mail.delivery.MailDelivery;
import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.MessageContext;
import dev.kiamms.protocol.Subjects;

import jakarta.mail.internet.InternetAddress;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The reference for the built-in {@code accountaddemail} route, kept in the tests only: the
 * hand-written handler the route replaced, which {@code EmailRouteTest} holds the route's mail
 * against. It tells the user's addresses that a new one was added to the
 * account. The first valid {@code mailto} address is To, the others Cc; invalid ones are skipped
 * and logged (the reference server sends with an empty To when the first one is invalid).
 */
public final class AccountAddEmailHandler implements EventHandler<AccountAddEmailAudit> {

    public static final String KEY = "accountaddemail";
    public static final String TEMPLATE = "account-add-email";
    private static final Logger LOG = Logger.getLogger("kiamms.mail");

    private final Supplier<MailComposer> composer;
    private final Supplier<MailDelivery> delivery;

    /** Suppliers, so that a configuration reload takes effect with the next message. */
    public AccountAddEmailHandler(Supplier<MailComposer> composer, Supplier<MailDelivery> delivery) {
        this.composer = composer;
        this.delivery = delivery;
    }

    @Override
    public String subject() {
        return Subjects.audit(KEY);
    }

    @Override
    public Class<AccountAddEmailAudit> payloadType() {
        return AccountAddEmailAudit.class;
    }

    @Override
    public boolean blocking() {
        return true;
    }

    @Override
    public void handle(AccountAddEmailAudit a, MessageContext context) throws Exception {
        List<InternetAddress> recipients = recipients(a.mailto(), context.reqid());
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("no valid address in mailto " + a.mailto() + "; nothing sent");
        }
        URI base = MailAddresses.absoluteWebUrl("httpurl", a.httpurl());
        MailAddresses.requireHeaderSafe("subject", a.subject());
        String httpurl = base.toString().replaceAll("/+$", "");
        MailComposer.Draft draft = new MailComposer.Draft(context.reqid(), TEMPLATE, a.locale(),
                a.subject() == null ? "" : a.subject(), recipients.get(0), recipients.subList(1, recipients.size()),
                Map.of("userid", SendVerifyEmailHandler.nz(a.userid()), "newemail", SendVerifyEmailHandler.nz(a.newemail()),
                        "httpurl", httpurl, "identity_url", httpurl + "/account/identity"));
        DeliveryReport report;
        try {
            report = delivery.get().deliver(context.reqid(), KEY, composer.get().compose(draft), null);
        } catch (DeliveryException e) {
            // After an ambiguous failure the mail may have arrived: sending it again could duplicate it.
            throw new ActionException(e.getMessage(), !e.ambiguous());
        }
        LOG.info(() -> "reqid=" + context.reqid() + " account-add-email to " + recipients.size() + " address(es) delivered via "
                + report.mta() + " (" + report.where() + ")");
    }

    private static List<InternetAddress> recipients(List<String> mailto, String reqid) {
        List<InternetAddress> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        if (mailto == null) {
            return out;
        }
        for (int i = 0; i < mailto.size(); i++) {
            try {
                InternetAddress a = MailAddresses.parse("mailto[" + i + "]", mailto.get(i));
                if (seen.add(a.getAddress().toLowerCase(Locale.ROOT))) {
                    out.add(a);
                }
            } catch (IllegalArgumentException e) {
                LOG.warning(() -> "reqid=" + reqid + " accountaddemail: skipped " + e.getMessage());
            }
        }
        return out;
    }
}
