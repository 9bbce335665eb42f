package dev.kiamms.mail;

import dev.kiamms.limit.SendBudget;
import dev.kiamms.mail.delivery.DeliveryException;
import dev.kiamms.mail.delivery.DeliveryReport;
import dev.kiamms.mail.delivery.MailDelivery;
import dev.kiamms.mail.delivery.MessageBuilder;
import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.ActionHandler;
import dev.kiamms.pipeline.MessageContext;

import jakarta.mail.internet.InternetAddress;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Logger;

/** The {@code sendverifyemail} action: mail the user a link that proves the address is theirs. */
public final class SendVerifyEmailHandler implements ActionHandler<VerifyEmailRequest> {

    public static final String KEY = "sendverifyemail";
    public static final String TEMPLATE = "verify-email";
    private static final Logger LOG = Logger.getLogger("kiamms.mail");

    /**
     * How long a delivery may take before KrossIAM is answered: it gives up on a request after
     * 60 s, and MTAs whose time-outs add up past that (3 × 30 s read time-out, say) would
     * otherwise be answered to nobody.
     */
    public static final Duration BUDGET = Duration.ofSeconds(50);

    private final Supplier<MailComposer> composer;
    private final Supplier<MailDelivery> delivery;
    private final Duration budget;
    /** How many mails one address may get; asked after the mail is composed, before it is sent. */
    private final SendBudget perRecipient;
    /**
     * SMTP deliveries run here, so that the answer need not wait for the MTAs' time-outs. Idle
     * threads end after a minute, so a handler that is replaced leaves none behind.
     */
    private final ExecutorService senders = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kiam-ms-verify-email-send");
        t.setDaemon(true);
        return t;
    });

    /** Suppliers, so that a configuration reload takes effect with the next message. */
    public SendVerifyEmailHandler(Supplier<MailComposer> composer, Supplier<MailDelivery> delivery) {
        this(composer, delivery, BUDGET, SendBudget.unlimited());
    }

    /** With another budget than {@link #BUDGET} (tests). */
    public SendVerifyEmailHandler(Supplier<MailComposer> composer, Supplier<MailDelivery> delivery, Duration budget) {
        this(composer, delivery, budget, SendBudget.unlimited());
    }

    /** @param perRecipient the per-address limit; over it, or when it cannot be checked, nothing is sent */
    public SendVerifyEmailHandler(Supplier<MailComposer> composer, Supplier<MailDelivery> delivery, Duration budget,
                                  SendBudget perRecipient) {
        this.composer = composer;
        this.delivery = delivery;
        this.budget = budget;
        this.perRecipient = perRecipient;
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
            MessageBuilder mail = composer.get().compose(draft, "href");
            checkBudget(to, context.reqid());
            MailDelivery d = delivery.get();
            long deadline = System.nanoTime() + budget.toNanos();
            DeliveryReport report = d.outboxDir() != null
                    // A file write has no MTA time-outs to wait out: no hand-off to a sender thread.
                    ? d.deliver(context.reqid(), KEY, mail, deadline)
                    : sendWithin(d, context.reqid(), to, mail, deadline);
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

    /**
     * Delivers on a sender thread and waits at most the budget, so that KrossIAM is answered
     * before it gives up even when the MTAs' time-outs add up to more.
     */
    private DeliveryReport sendWithin(MailDelivery d, String reqid, InternetAddress to,
                                      MessageBuilder mail, long deadline)
            throws DeliveryException, ActionException {
        Future<DeliveryReport> sending = senders.submit(() -> d.deliver(reqid, KEY, mail, deadline));
        try {
            return sending.get(budget.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // The attempt under way may still hand the mail over; no further MTA is tried.
            // Not retryable, as for any ambiguous failure: the duplicate window keeps this reply.
            LOG.warning(() -> "reqid=" + reqid + " verify-email to " + to.getAddress() + ": no MTA answered within "
                    + budget.toSeconds() + " s; the mail may still go out");
            throw new ActionException("no mail server took the verification mail within " + budget.toSeconds()
                    + " s (the MTAs' time-outs add up to more); it may still go out, and will not be sent again for this"
                    + " request (reqid " + reqid + "); check the MTAs with 'kiam-ms send-test'", false);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DeliveryException de) {
                throw de;
            }
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ActionException("interrupted while the verification mail was sent; it may still go out", false);
        }
    }

    /** Counts this mail against the address's budget, or refuses it (code 1) saying when to try again. */
    private void checkBudget(InternetAddress to, String reqid) throws ActionException {
        SendBudget.Verdict verdict = perRecipient.spend(KEY, to.getAddress());
        if (verdict instanceof SendBudget.Verdict.OverLimit over) {
            long minutes = over.retryAfterMinutes();
            LOG.warning(() -> "reqid=" + reqid + " verify-email not sent: the address had " + over.limit().describe()
                    + "; allowed again in " + over.retryAfter().toSeconds() + " s");
            throw new ActionException("too many verification mails to this address; try again in " + minutes
                    + (minutes == 1 ? " minute" : " minutes"));
        }
        if (verdict instanceof SendBudget.Verdict.Unavailable down) {
            LOG.warning(() -> "reqid=" + reqid + " verify-email not sent: the per-address send limit cannot be checked: "
                    + down.reason());
            throw new ActionException("the verification mail was not sent: its per-address limit cannot be checked now"
                    + " (JetStream not answering); try again in a minute");
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
