package dev.kiamms.mail.delivery;

import dev.kiamms.metrics.StatsTracker;

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.util.SharedByteArrayInputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hands messages to the configured MTAs, or to an outbox directory when there is none.
 * Thread-safe: one instance serves every request thread.
 *
 * <p><b>Order and failover.</b> The preferred MTA is tried first, the others in configured order.
 * The next MTA is tried only when the failure is certain to have delivered nothing: anything
 * before the server's 354 reply to DATA (connection refused or timed out, TLS, authentication,
 * a rejection of MAIL FROM, RCPT TO or DATA), or a 4xx/5xx reply to the end of the data. When the
 * connection breaks or times out after the data started and before the server's final reply, the
 * server may have taken the message: delivery stops there with an {@linkplain
 * DeliveryException#ambiguous() ambiguous} failure and the mail is not resent, so nobody gets it
 * twice. How the phase is known: {@link TrackingTransport}. When some recipients were refused but
 * the server accepted the message for the others, it counts as delivered (the report says who
 * was refused) and is never resent.
 *
 * <p><b>Messages.</b> For each attempt the {@link MessageBuilder} builds a fresh message with that
 * MTA's identity; it is rendered to bytes before connecting (Bcc left out of the header, kept in
 * the envelope), so a broken message fails that attempt as "cannot build the message" before
 * anything is sent. A {@code RuntimeException} from the builder propagates to the caller.
 *
 * <p><b>Connections.</b> Connected SMTP sessions are kept per MTA (at most
 * {@value #MAX_IDLE_PER_MTA} idle) and reused, since a new session per mail costs several times
 * more than the mail. One idle for more than 30 s is closed rather than reused (servers drop idle
 * clients). If a send on a reused connection fails before the data phase with a broken
 * connection (the server had closed it), it is retried once on a fresh connection to the same
 * MTA. A connection that failed in any way is closed, never pooled.
 *
 * <p><b>Circuit breaker.</b> An MTA that failed certainly several times in a row is skipped for a
 * cool-down ({@link MtaBreaker}), so mails go to the next one without waiting for its time-out.
 *
 * <p><b>Attempt log.</b> Every attempt, and every MTA skipped by its breaker, is handed to the
 * {@link AttemptLog} with the recipients masked.
 *
 * <p><b>Logging</b> to {@code java.util.logging} logger {@code kiamms.mail}: one line per attempt,
 * FINE when delivered, WARNING when not; never the password.
 */
public final class MailDelivery implements AutoCloseable {

    /** Idle connections kept per MTA. */
    public static final int MAX_IDLE_PER_MTA = 16;
    /** The sender of mail written to the outbox. */
    public static final String OUTBOX_SENDER = "kiam-ms@localhost";
    /** The name reports and attempts give the outbox. */
    public static final String OUTBOX_NAME = "outbox";

    static final Duration DEFAULT_IDLE_LIMIT = Duration.ofSeconds(30);

    private static final Logger LOG = Logger.getLogger("kiamms.mail");

    private final List<Mta> order;
    private final Outbox outbox;
    private final Session outboxSession;
    private final MtaIdentity outboxIdentity;
    private final StatsTracker stats;
    private final AtomicLong connectionsOpened = new AtomicLong();
    private final ScheduledFuture<?> reaper;
    private final AttemptLog attemptLog;
    private volatile long idleLimitNanos = DEFAULT_IDLE_LIMIT.toNanos();
    private volatile boolean closed;

    /**
     * @param mtas         the MTAs as configured; empty: every message goes to {@code outboxDir}
     * @param preferredMta the name of the MTA to try first; null or empty: configured order
     * @param timeouts     socket time limits; null: {@link SmtpTimeouts#DEFAULTS}
     * @param outboxDir    where messages go when {@code mtas} is empty (created 0700 on first use)
     * @throws IllegalArgumentException naming the MTA and the key, when the configuration is wrong
     */
    public MailDelivery(List<MtaConfig> mtas, String preferredMta, SmtpTimeouts timeouts, Path outboxDir) {
        this(mtas, preferredMta, timeouts, outboxDir, Map.of());
    }

    /**
     * As {@link #MailDelivery(List, String, SmtpTimeouts, Path)}, with extra jakarta.mail session
     * properties laid over the ones this class sets, for every MTA. For tests and for operators
     * whose MTAs use a private CA: e.g. {@code mail.smtp.ssl.socketFactory} (an
     * {@code SSLSocketFactory} object) trusting that CA, {@code mail.smtp.ssl.trust}, or
     * {@code mail.smtp.localhost}. A key under {@code mail.smtp.} is applied under
     * {@code mail.smtps.} too (MTAs with {@code ssl: true}), unless that key is given as well.
     * Setting {@code mail.smtp.ssl.checkserveridentity} to false disables host name checks: tests only.
     */
    public MailDelivery(List<MtaConfig> mtas, String preferredMta, SmtpTimeouts timeouts, Path outboxDir,
                        Map<String, ?> extraSessionProperties) {
        this(mtas, preferredMta, timeouts, outboxDir, extraSessionProperties, MtaBreaker.Policy.OFF, AttemptLog.NONE,
                StatsTracker.NONE);
    }

    /**
     * As {@link #MailDelivery(List, String, SmtpTimeouts, Path, Map)}, skipping failing MTAs as
     * {@code breaker} says, recording every attempt in {@code attemptLog} and reporting every MTA
     * attempt to {@code stats} (messages written to the outbox are not MTA attempts and are not reported).
     */
    public MailDelivery(List<MtaConfig> mtas, String preferredMta, SmtpTimeouts timeouts, Path outboxDir,
                        Map<String, ?> extraSessionProperties, MtaBreaker.Policy breaker, AttemptLog attemptLog,
                        StatsTracker stats) {
        this.stats = Objects.requireNonNull(stats, "stats");
        this.attemptLog = attemptLog == null ? AttemptLog.NONE : attemptLog;
        MtaBreaker.Policy policy = breaker == null ? MtaBreaker.Policy.OFF : breaker;
        List<MtaConfig> list = mtas == null ? List.of() : mtas;
        SmtpTimeouts t = timeouts == null ? SmtpTimeouts.DEFAULTS : timeouts;
        checkTimeouts(t);
        Map<String, ?> extra = extraSessionProperties == null ? Map.of() : Map.copyOf(extraSessionProperties);

        List<Mta> configured = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            MtaConfig c = list.get(i);
            if (c == null) {
                throw new IllegalArgumentException("mail.mtas[" + i + "] is empty");
            }
            String name = c.name() == null ? "" : c.name().strip();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("mail.mtas[" + i + "]: name is empty");
            }
            String label = "mail.mtas[" + i + "] \"" + name + "\"";
            Integer before = names.putIfAbsent(name, i);
            if (before != null) {
                throw new IllegalArgumentException(label + ": name is already used by mail.mtas[" + before + "]");
            }
            configured.add(new Mta(c, name, label, t, extra, policy));
        }

        String preferred = preferredMta == null ? "" : preferredMta.strip();
        List<Mta> ordered = new ArrayList<>(configured.size());
        if (!preferred.isEmpty()) {
            Mta first = configured.stream().filter(m -> m.name.equals(preferred)).findFirst().orElse(null);
            if (first == null) {
                throw new IllegalArgumentException("mail.preferred_mta \"" + preferred + "\" names no MTA ("
                        + (configured.isEmpty() ? "no MTA is configured"
                        : "the MTAs are: " + String.join(", ", configured.stream().map(m -> m.name).toList())) + ")");
            }
            ordered.add(first);
        }
        for (Mta m : configured) {
            if (!ordered.contains(m)) {
                ordered.add(m);
            }
        }
        this.order = List.copyOf(ordered);

        if (order.isEmpty()) {
            if (outboxDir == null) {
                throw new IllegalArgumentException("mail.mtas is empty and there is no outbox directory");
            }
            this.outbox = new Outbox(outboxDir);
            this.outboxSession = Session.getInstance(new Properties());
            try {
                this.outboxIdentity = new MtaIdentity(OUTBOX_NAME, new InternetAddress(OUTBOX_SENDER, true), null,
                        List.of(), List.of());
            } catch (AddressException e) {
                throw new IllegalStateException(e);
            }
            this.reaper = null;
        } else {
            this.outbox = null;
            this.outboxSession = null;
            this.outboxIdentity = null;
            this.reaper = Timer.INSTANCE.scheduleWithFixedDelay(this::closeStaleConnections, 5, 5, TimeUnit.SECONDS);
        }
    }

    /** True when there is no MTA and messages are written to the outbox directory. */
    public boolean usesOutbox() {
        return outbox != null;
    }

    /** The MTA names in the order they are tried (empty with the outbox). */
    public List<String> mtaOrder() {
        return order.stream().map(m -> m.name).toList();
    }

    /** Each MTA's circuit breaker as it is now, in the order the MTAs are tried. */
    public List<MtaBreaker.State> mtaStates() {
        return order.stream().map(m -> m.breaker.state()).toList();
    }

    /** The outbox directory, or null when MTAs are configured. */
    public Path outboxDir() {
        return outbox == null ? null : outbox.dir();
    }

    /**
     * Delivers one message: built by {@code builder} for each attempt (with that MTA's identity),
     * sent to the MTAs in order until one takes it.
     *
     * @param reqid the request the mail belongs to, for logs and the outbox file name
     * @return which MTA took it, and every attempt
     * @throws DeliveryException when no MTA took it ({@code ambiguous()} false, every MTA was tried),
     *                           or when one may have (true: the mail must not be sent again)
     */
    public DeliveryReport deliver(String reqid, MessageBuilder builder) throws DeliveryException {
        return deliver(reqid, builder, null);
    }

    /**
     * As {@link #deliver(String, MessageBuilder)}, but no MTA is tried once {@code deadline} (a
     * {@link System#nanoTime()} value; null: none) has passed: someone waiting for the answer
     * (KrossIAM, 60 s) has been told already, and a later MTA's copy would arrive unannounced.
     * An attempt under way when the deadline passes runs to its end.
     */
    public DeliveryReport deliver(String reqid, MessageBuilder builder, Long deadline) throws DeliveryException {
        return deliver(reqid, "", builder, deadline);
    }

    /**
     * As {@link #deliver(String, MessageBuilder, Long)}, naming in the attempt log the action or
     * audit ({@code key}, e.g. {@code sendverifyemail}) the mail is for.
     */
    public DeliveryReport deliver(String reqid, String key, MessageBuilder builder, Long deadline) throws DeliveryException {
        Objects.requireNonNull(builder, "builder");
        String k = key == null ? "" : key;
        if (outbox != null) {
            return deliverToOutbox(reqid, k, builder);
        }
        List<Attempt> attempts = new ArrayList<>(order.size());
        List<String> summary = new ArrayList<>(order.size());
        List<String> mailboxes = new ArrayList<>(); // filled by the first attempt that builds the message
        // Skips are recorded once an attempt has built the message and its recipients are known.
        List<Runnable> skips = new ArrayList<>(0);
        try {
            for (Mta mta : order) {
                if (deadline != null && System.nanoTime() - deadline >= 0) {
                    summary.add(mta.label() + ": not tried, out of time");
                    throw new DeliveryException("no MTA accepted the mail in the time given: " + String.join("; ", summary),
                            false, attempts);
                }
                MtaBreaker.Permit permit = mta.breaker.tryAcquire();
                if (permit == MtaBreaker.Permit.SKIP) {
                    MtaBreaker.State st = mta.breaker.state();
                    String why = "skipped: failed " + st.consecutiveFailures() + " times in a row"
                            + (st.openUntil() == null ? ", another mail is probing it" : ", resting until " + st.openUntil());
                    summary.add(mta.label() + ": " + why);
                    LOG.fine(() -> "reqid=" + reqid + " " + mta.label() + " " + why);
                    Instant at = Instant.now();
                    skips.add(() -> record(reqid, k, mailboxes, mta.name, mta.where, "SKIPPED", why, at));
                    continue;
                }
                Result r;
                try {
                    r = attempt(mta, reqid, builder, mailboxes);
                } catch (RuntimeException e) {
                    mta.breaker.undecided(); // the builder failed: nothing was asked of the MTA
                    throw e;
                }
                settle(mta.breaker, r);
                attempts.add(r.attempt());
                stats.mailAttempt(r.attempt().mta(), r.attempt().outcome());
                log(reqid, mta, r);
                skips.forEach(Runnable::run);
                skips.clear();
                record(reqid, k, mailboxes, mta.name, mta.where, r.attempt().outcome().name(), r.what(), Instant.now());
                switch (r.attempt().outcome()) {
                    case DELIVERED:
                        return new DeliveryReport(mta.name, mta.where, attempts);
                    case AMBIGUOUS:
                        StringBuilder m = new StringBuilder("the mail may have been delivered by ").append(mta.label())
                                .append(" and was not resent: ").append(r.what());
                        if (!summary.isEmpty()) {
                            m.append(" (before that: ").append(String.join("; ", summary)).append(')');
                        }
                        throw new DeliveryException(mta.scrub(m.toString()), true, attempts);
                    default:
                        summary.add(mta.scrub(mta.label() + ": " + r.what()));
                }
            }
            throw new DeliveryException("no MTA accepted the mail: " + String.join("; ", summary), false, attempts);
        } finally {
            skips.forEach(Runnable::run);
        }
    }

    /**
     * Closes every pooled connection. A delivery still running (or started later, by a thread that
     * obtained this instance before a configuration reload) completes normally, on a connection
     * that is closed afterwards instead of pooled.
     */
    @Override
    public void close() {
        closed = true;
        if (reaper != null) {
            reaper.cancel(false);
        }
        for (Mta m : order) {
            m.closeIdle(Long.MIN_VALUE);
        }
    }

    // ---- package-private hooks for tests ----

    /** SMTP connections opened so far (each a TCP connection and SMTP session). */
    long connectionsOpened() {
        return connectionsOpened.get();
    }

    /** Idle connections currently pooled, all MTAs. */
    int idleConnections() {
        return order.stream().mapToInt(Mta::idleCount).sum();
    }

    /** How long a pooled connection may sit idle before it is closed instead of reused. */
    void idleLimit(Duration limit) {
        this.idleLimitNanos = limit.toNanos();
    }

    // ---- the work ----

    /** @param blamesMta a failure that shows the MTA cannot take mail now (counts for its breaker) */
    private record Result(Attempt attempt, String what, boolean blamesMta) {
        /** The same outcome, but not the MTA's fault: its breaker ignores it. */
        Result sparingTheMta() {
            return new Result(attempt, what, false);
        }
    }

    private Result attempt(Mta mta, String reqid, MessageBuilder builder, List<String> mailboxes) {
        MimeMessage msg;
        Address[] recipients;
        try {
            MimeMessage built = builder.build(mta.session, mta.identity);
            recipients = built.getAllRecipients(); // To, Cc and Bcc: the envelope
            if (mailboxes.isEmpty()) {
                mailboxes.addAll(mailboxes(built, mta.identity));
            }
            msg = render(mta.session, built);
        } catch (MessagingException e) {
            return mta.notTried("cannot build the message: " + SmtpFailures.oneLine(e.getMessage()));
        }
        if (recipients == null || recipients.length == 0) {
            return mta.notTried("the message has no recipients");
        }
        boolean retried = false;
        while (true) {
            TrackingTransport t = retried ? null : mta.takeIdle(); // the retry is on a new connection
            boolean reused = t != null;
            if (t == null) {
                try {
                    t = mta.open();
                } catch (MessagingException | RuntimeException e) {
                    return mta.result(Attempt.Outcome.NOT_DELIVERED, SmtpFailures.connectFailure(e));
                }
            }
            MessagingException failure;
            try {
                t.sendMessage(msg, recipients);
                String reply = SmtpFailures.oneLine(t.getLastServerResponse());
                mta.giveBack(t);
                return mta.result(Attempt.Outcome.DELIVERED, reply.isEmpty() ? "accepted" : "accepted: " + reply);
            } catch (MessagingException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = new MessagingException(String.valueOf(e), e);
            }
            TrackingTransport.Phase phase = t.phase();
            int endReply = t.endReply();
            closeQuietly(t);
            switch (phase) {
                case ACCEPTED:
                    // The server said 250 to the data: delivered to the recipients it accepted
                    // (mail.smtp.sendpartial); angus reports the refused ones with an exception.
                    return mta.result(Attempt.Outcome.DELIVERED, "accepted for some recipients only; "
                            + SmtpFailures.partialDetail(failure));
                case BEFORE_DATA:
                    if (reused && !retried && !SmtpFailures.explicitRejection(failure)) {
                        // Most likely the server dropped the idle connection; nothing was sent.
                        retried = true;
                        String why = SmtpFailures.sendFailure(failure);
                        LOG.fine(() -> "reqid=" + reqid + " " + mta.label() + ": reused connection failed ("
                                + mta.scrub(why) + "), retrying on a new connection");
                        continue;
                    }
                    Result refused = mta.result(Attempt.Outcome.NOT_DELIVERED, SmtpFailures.sendFailure(failure));
                    // A refused address is the address's fault: a burst of bad addresses must not rest a working MTA.
                    return SmtpFailures.recipientsRefused(failure) ? refused.sparingTheMta() : refused;
                case DATA_STARTED:
                    // The message was rendered to bytes before connecting (render), so a failure
                    // here is the connection's: the server may hold a complete copy.
                    return mta.result(Attempt.Outcome.AMBIGUOUS, "the connection failed while the message data was sent: "
                            + SmtpFailures.ioFailure(failure));
                case END_SENT:
                default:
                    if (endReply >= 400 && endReply <= 599) {
                        return mta.result(Attempt.Outcome.NOT_DELIVERED, SmtpFailures.sendFailure(failure));
                    }
                    return mta.result(Attempt.Outcome.AMBIGUOUS, SmtpFailures.noVerdict(failure, endReply));
            }
        }
    }

    /** Tells the MTA's breaker how the attempt went: only a failure that is the MTA's counts against it. */
    private static void settle(MtaBreaker breaker, Result r) {
        if (r.attempt().outcome() == Attempt.Outcome.DELIVERED) {
            breaker.succeeded();
        } else if (r.attempt().outcome() == Attempt.Outcome.NOT_DELIVERED && r.blamesMta()) {
            breaker.failedCertainly();
        } else {
            breaker.undecided(); // ambiguous: the MTA may have taken it; says nothing of its health
        }
    }

    /**
     * The message as the bytes that will be sent (Message-ID and MIME headers set, Bcc left out),
     * parsed back into a message that writes exactly those bytes. Whatever can go wrong in
     * producing the message (a template part, a data source) thus goes wrong here, before any
     * connection, and not half-way through the SMTP data where it would be indistinguishable
     * from a broken connection.
     */
    private static MimeMessage render(Session session, MimeMessage built) throws MessagingException {
        built.saveChanges(); // Transport.send would do this; sendMessage does not
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
        try {
            built.writeTo(bytes, new String[]{"Bcc", "Content-Length"});
        } catch (IOException e) {
            throw new MessagingException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
        return new MimeMessage(session, new SharedByteArrayInputStream(bytes.toByteArray()));
    }

    private DeliveryReport deliverToOutbox(String reqid, String key, MessageBuilder builder) throws DeliveryException {
        String what;
        List<String> mailboxes = new ArrayList<>();
        try {
            MimeMessage msg = builder.build(outboxSession, outboxIdentity);
            mailboxes.addAll(mailboxes(msg, outboxIdentity));
            msg.saveChanges();
            Path file = outbox.write(reqid, msg);
            Attempt a = new Attempt(OUTBOX_NAME, Attempt.Outcome.DELIVERED, "written to " + file);
            LOG.fine(() -> "reqid=" + reqid + " mail written to the outbox: " + file);
            record(reqid, key, mailboxes, OUTBOX_NAME, outbox.dir().toString(), a.outcome().name(), a.detail(), Instant.now());
            return new DeliveryReport(OUTBOX_NAME, file.toString(), List.of(a));
        } catch (MessagingException e) {
            what = "cannot build the message: " + SmtpFailures.oneLine(e.getMessage());
        } catch (IOException e) {
            what = "cannot write to " + outbox.dir() + ": " + SmtpFailures.oneLine(String.valueOf(e.getMessage()));
        }
        Attempt a = new Attempt(OUTBOX_NAME, Attempt.Outcome.NOT_DELIVERED, what);
        String line = what;
        LOG.warning(() -> "reqid=" + reqid + " outbox: " + line);
        record(reqid, key, mailboxes, OUTBOX_NAME, outbox.dir().toString(), a.outcome().name(), what, Instant.now());
        throw new DeliveryException("the mail could not be written to the outbox: " + what, false, List.of(a));
    }

    private static void log(String reqid, Mta mta, Result r) {
        Attempt a = r.attempt();
        Level level = a.outcome() == Attempt.Outcome.DELIVERED ? Level.FINE : Level.WARNING;
        if (LOG.isLoggable(level)) {
            LOG.log(level, "reqid=" + reqid + " " + mta.label() + " " + a.outcome() + ": " + mta.scrub(r.what()));
        }
    }

    /**
     * The mail's own recipients (To and Cc, without the MTA's Cc), for the attempt log. The
     * MTA's Bcc are never in the message's headers, nor in the log.
     */
    private static List<String> mailboxes(MimeMessage built, MtaIdentity identity) throws MessagingException {
        List<String> own = identity.cc().stream().map(a -> a.getAddress().toLowerCase(java.util.Locale.ROOT)).toList();
        List<String> out = new ArrayList<>();
        for (Message.RecipientType type : new Message.RecipientType[]{Message.RecipientType.TO, Message.RecipientType.CC}) {
            Address[] as = built.getRecipients(type);
            for (Address a : as == null ? new Address[0] : as) {
                if (a instanceof InternetAddress ia && ia.getAddress() != null
                        && !own.contains(ia.getAddress().toLowerCase(java.util.Locale.ROOT))) {
                    out.add(ia.getAddress());
                }
            }
        }
        return out;
    }

    /** Hands one attempt to the attempt log; never fails the mail. */
    private void record(String reqid, String key, List<String> mailboxes, String mta, String where, String outcome,
                        String reason, Instant at) {
        try {
            attemptLog.record(new AttemptEntry(reqid, key, AttemptEntry.EMAIL,
                    mailboxes.stream().map(AttemptEntry::mask).toList(), mailboxes.stream().map(AttemptEntry::hash).toList(),
                    mta, where, outcome, reason, at.toString()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "reqid=" + reqid + " delivery attempt not recorded: " + e);
        }
    }

    private void closeStaleConnections() {
        long limit = idleLimitNanos;
        for (Mta m : order) {
            m.closeIdle(limit);
        }
    }

    private static void closeQuietly(TrackingTransport t) {
        try {
            t.close(); // mail.smtp.quitwait=false: QUIT is sent, no reply awaited
        } catch (MessagingException | RuntimeException ignored) {
            // it is being dropped anyway
        }
    }

    private static void checkTimeouts(SmtpTimeouts t) {
        check("mail.timeouts.connect", t.connect());
        check("mail.timeouts.read", t.read());
        check("mail.timeouts.write", t.write());
    }

    private static void check(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " must be a positive duration, not " + d);
        }
    }

    private static InternetAddress parse(String label, String key, String value) {
        try {
            InternetAddress a = new InternetAddress(value.strip(), true);
            if (a.getAddress() == null || a.getAddress().indexOf('@') <= 0) {
                throw new AddressException("no domain");
            }
            return a;
        } catch (AddressException e) {
            throw new IllegalArgumentException(label + ": " + key + " '" + value + "' is not an e-mail address ("
                    + SmtpFailures.oneLine(e.getMessage()) + ")");
        }
    }

    private static List<InternetAddress> parseAll(String label, String key, List<String> values) {
        List<InternetAddress> out = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException(label + ": " + key + "[" + i + "] is empty");
            }
            out.add(parse(label, key + "[" + i + "]", v));
        }
        return List.copyOf(out);
    }

    /** One configured MTA: its session, identity and pool of idle connections. */
    private final class Mta {
        final MtaConfig config;
        final String name;
        final String where;
        final Session session;
        final MtaIdentity identity;
        final String authUser; // null: no AUTH
        final MtaBreaker breaker;
        private final Deque<Idle> idle = new ArrayDeque<>(); // newest first; guarded by itself

        /** @param label where in the configuration, for error messages: {@code mail.mtas[1] "backup"} */
        Mta(MtaConfig c, String name, String label, SmtpTimeouts t, Map<String, ?> extra, MtaBreaker.Policy policy) {
            this.config = c;
            this.name = name;
            this.breaker = new MtaBreaker(name, policy, System::nanoTime);
            String host = c.host() == null ? "" : c.host().strip();
            if (host.isEmpty()) {
                throw new IllegalArgumentException(label + ": host is empty");
            }
            if (host.chars().anyMatch(ch -> ch <= ' ' || ch == '/' || ch == '@')) {
                throw new IllegalArgumentException(label + ": host '" + host + "' is not a host name");
            }
            if (c.port() < 1 || c.port() > 65535) {
                throw new IllegalArgumentException(label + ": port " + c.port() + " is not between 1 and 65535");
            }
            this.where = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + c.port();
            if (c.sender() == null || c.sender().isBlank()) {
                throw new IllegalArgumentException(label + ": sender is empty");
            }
            InternetAddress sender = parse(label, "sender", c.sender());
            InternetAddress replyTo = c.replyto().isBlank() ? null : parse(label, "replyto", c.replyto());
            List<InternetAddress> cc = parseAll(label, "cc", c.cc());
            List<InternetAddress> bcc = parseAll(label, "bcc", c.bcc());
            this.identity = new MtaIdentity(name, sender, replyTo, cc, bcc);
            boolean auth = !c.passwd().isEmpty();
            this.authUser = !auth ? null : c.user().isBlank() ? sender.getAddress() : c.user().strip();

            String proto = c.ssl() ? "smtps" : "smtp";
            String pre = "mail." + proto + ".";
            Properties p = new Properties();
            p.put("mail.transport.protocol", proto);
            p.put(pre + "host", host);
            p.put(pre + "port", Integer.toString(c.port()));
            p.put(pre + "connectiontimeout", Long.toString(t.connect().toMillis()));
            p.put(pre + "timeout", Long.toString(t.read().toMillis()));
            p.put(pre + "writetimeout", Long.toString(t.write().toMillis()));
            // angus enforces the write time-out with a scheduler; without this it starts one
            // thread per connection.
            p.put(pre + "executor.writetimeout", Timer.INSTANCE);
            p.put(pre + "from", sender.getAddress()); // the envelope sender, whatever From says
            p.put(pre + "quitwait", "false"); // closing never waits for the reply to QUIT
            p.put(pre + "sendpartial", "true"); // deliver to the accepted recipients when some are refused
            p.put(pre + "ssl.checkserveridentity", "true");
            // By default, when a configured socket factory fails (e.g. a TLS or host name check),
            // angus silently connects again with the default one: a second connection, and the
            // first error lost.
            p.put(pre + "socketFactory.fallback", "false");
            if (c.ssl()) {
                p.put(pre + "ssl.enable", "true");
            } else {
                p.put(pre + "starttls.enable", "true");
                p.put(pre + "starttls.required", "false");
            }
            if (auth) {
                p.put(pre + "auth", "true");
                p.put(pre + "user", authUser);
            }
            for (Map.Entry<String, ?> e : extra.entrySet()) {
                p.put(e.getKey(), e.getValue());
            }
            for (Map.Entry<String, ?> e : extra.entrySet()) {
                if (e.getKey().startsWith("mail.smtp.")) {
                    String s = "mail.smtps." + e.getKey().substring("mail.smtp.".length());
                    if (!extra.containsKey(s)) {
                        p.put(s, e.getValue());
                    }
                }
            }
            this.session = Session.getInstance(p);
        }

        /** For messages and logs: {@code backup (smtp.example.com:465)}. */
        String label() {
            return name + " (" + where + ")";
        }

        Result result(Attempt.Outcome outcome, String what) {
            String w = scrub(SmtpFailures.oneLine(what));
            return new Result(new Attempt(name, outcome, where + " " + w), w, outcome == Attempt.Outcome.NOT_DELIVERED);
        }

        /** Not sent for a reason of the message's, not the MTA's: its breaker ignores it. */
        Result notTried(String what) {
            String w = scrub(SmtpFailures.oneLine(what));
            return new Result(new Attempt(name, Attempt.Outcome.NOT_DELIVERED, where + " " + w), w, false);
        }

        String scrub(String s) {
            return SmtpFailures.scrub(s, config.passwd());
        }

        TrackingTransport open() throws MessagingException {
            TrackingTransport t = new TrackingTransport(session,
                    new URLName(config.ssl() ? "smtps" : "smtp", config.host().strip(), config.port(), null, null, null),
                    config.ssl());
            try {
                if (authUser != null) {
                    t.connect(config.host().strip(), config.port(), authUser, config.passwd());
                    if (!t.supportsExtension("AUTH") && !t.supportsExtension("AUTH=LOGIN")) {
                        // Jakarta Mail would go on unauthenticated. A password configured for a
                        // server that offers no AUTH means the wrong host or port (an MX on 25
                        // rather than the submission port) or a STARTTLS that did not happen as
                        // expected: a failure before any data, so the next MTA is tried.
                        throw new AuthenticationFailedException("the server offers no AUTH, so user/passwd cannot be used"
                                + " and nothing was sent unauthenticated; use its submission port (587 or 465) or remove passwd");
                    }
                } else {
                    t.connect(config.host().strip(), config.port(), null, null);
                }
            } catch (MessagingException | RuntimeException e) {
                closeQuietly(t);
                throw e;
            }
            connectionsOpened.incrementAndGet();
            return t;
        }

        /** A pooled connection idle for less than the limit, or null. Older ones are closed. */
        TrackingTransport takeIdle() {
            long now = System.nanoTime();
            long limit = idleLimitNanos;
            List<TrackingTransport> stale = new ArrayList<>(0);
            TrackingTransport found = null;
            synchronized (idle) {
                Idle i;
                while ((i = idle.pollFirst()) != null) {
                    if (now - i.since() > limit) {
                        stale.add(i.transport());
                    } else {
                        found = i.transport();
                        break;
                    }
                }
            }
            stale.forEach(MailDelivery::closeQuietly);
            return found;
        }

        void giveBack(TrackingTransport t) {
            boolean keep = false;
            synchronized (idle) { // close() drains under this lock after setting closed
                if (!closed && idle.size() < MAX_IDLE_PER_MTA) {
                    idle.addFirst(new Idle(t, System.nanoTime()));
                    keep = true;
                }
            }
            if (!keep) {
                closeQuietly(t);
            }
        }

        /** Closes the pooled connections idle for longer than {@code limitNanos} (all: Long.MIN_VALUE). */
        void closeIdle(long limitNanos) {
            long now = System.nanoTime();
            List<TrackingTransport> stale = new ArrayList<>(0);
            synchronized (idle) {
                Idle last;
                while ((last = idle.peekLast()) != null && (limitNanos == Long.MIN_VALUE || now - last.since() > limitNanos)) {
                    idle.pollLast();
                    stale.add(last.transport());
                }
            }
            stale.forEach(MailDelivery::closeQuietly);
        }

        int idleCount() {
            synchronized (idle) {
                return idle.size();
            }
        }
    }

    private record Idle(TrackingTransport transport, long since) {
    }

    /**
     * One small scheduler for all instances: angus's write time-outs (a task per write, cancelled
     * when the write completes, hence remove-on-cancel) and closing stale idle connections. Daemon
     * threads, never shut down, so a closed instance cannot break a send still in flight.
     */
    private static final class Timer {
        static final ScheduledThreadPoolExecutor INSTANCE = create();

        private static ScheduledThreadPoolExecutor create() {
            AtomicInteger n = new AtomicInteger();
            ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(2, r -> {
                Thread th = new Thread(r, "kiamms-smtp-timer-" + n.incrementAndGet());
                th.setDaemon(true);
                return th;
            });
            s.setRemoveOnCancelPolicy(true);
            return s;
        }
    }
}
