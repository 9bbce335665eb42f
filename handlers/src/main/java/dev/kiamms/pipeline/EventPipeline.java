package dev.kiamms.pipeline;

import dev.kiamms.metrics.StatsTracker;
import dev.kiamms.protocol.Subjects;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The fire-and-forget variant of the pipeline, for audits, notices and log records: intake, then
 * the handler registered for the subject. Nothing is replied, so every message that is not handled
 * is logged with its reqid and the reason. An audit whose reqid was handled within the duplicate
 * window is not handled again.
 */
public final class EventPipeline {

    private static final Logger LOG = Logger.getLogger("kiamms.event");

    /** What became of one message; a durable consumer acknowledges, retries or gives up by it. */
    public sealed interface Outcome {
        /** The handler ran to completion. */
        record Handled() implements Outcome {
        }

        /** Not a message that can be handled (bad envelope or payload, no handler, unusable content): retrying cannot help. */
        record Refused(String reason) implements Outcome {
        }

        /** The handler failed; {@code retryable} false when a retry could do harm or cannot help. */
        record Failed(String reason, boolean retryable) implements Outcome {
        }

        /** Handled before (or being handled now, {@code running}) under the same reqid: not handled again. */
        record Duplicate(boolean running) implements Outcome {
        }
    }

    private static final Outcome HANDLED = new Outcome.Handled();

    private final Intake intake;
    private final StatsTracker stats;
    private final RecentRequests recent;
    private final Map<String, EventHandler<?>> bySubject;
    /** Handlers for a wildcard subject ({@code kiam.console.notice.>}), in registration order. */
    private final List<EventHandler<?>> byPattern;

    public EventPipeline(Intake intake, StatsTracker stats, List<EventHandler<?>> handlers) {
        this(intake, stats, handlers, RecentRequests.disabled());
    }

    /**
     * @param handlers each for an exact subject or a wildcard one; a message goes to the handler of
     *                 its exact subject, else to the first wildcard handler that matches it
     * @param recent   reqids of audits handled lately (notices and logs are not checked: their
     *                 volume would push the audits out)
     */
    public EventPipeline(Intake intake, StatsTracker stats, List<EventHandler<?>> handlers, RecentRequests recent) {
        this.intake = intake;
        this.stats = stats;
        this.recent = recent;
        this.bySubject = handlers.stream().filter(h -> !isWildcard(h.subject()))
                .collect(Collectors.toUnmodifiableMap(EventHandler::subject, Function.identity()));
        this.byPattern = handlers.stream().filter(h -> isWildcard(h.subject())).toList();
    }

    public boolean handles(String subject) {
        return handlerFor(subject) != null;
    }

    /** Whether the handler for this subject waits on I/O (unknown subjects do not). */
    public boolean blocking(String subject) {
        EventHandler<?> handler = handlerFor(subject);
        return handler != null && handler.blocking();
    }

    public Outcome deliver(String subject, byte[] body) {
        return deliver(subject, body, intake.clock().nowMicros());
    }

    /** @param receivedMicros when the broker received the message, see {@link Intake#read(String, byte[], Class, long)} */
    public Outcome deliver(String subject, byte[] body, long receivedMicros) {
        return deliver(subject, body, receivedMicros, false);
    }

    /**
     * @param deduplicated the caller has made sure by a durable record that this reqid was not
     *                     handled before (the broker's delivery ledger): the in-memory window is
     *                     not asked, so that a person's replay of a dead letter is not taken for a repeat
     */
    public Outcome deliver(String subject, byte[] body, long receivedMicros, boolean deduplicated) {
        EventHandler<?> handler = handlerFor(subject);
        if (handler == null) {
            LOG.warning(() -> "no handler for " + subject + "; dropped reqid=" + intake.codec().peekReqid(body));
            stats.refused(subject, "no handler for " + subject);
            return new Outcome.Refused("no handler for " + subject);
        }
        return deliver(handler, subject, body, receivedMicros, deduplicated);
    }

    private <P> Outcome deliver(EventHandler<P> handler, String subject, byte[] body, long receivedMicros, boolean deduplicated) {
        long started = System.nanoTime();
        Intake.Outcome<P> outcome = intake.read(subject, body, handler.payloadType(), receivedMicros);
        if (outcome instanceof Intake.Refused<P> refused) {
            stats.refused(subject, refused.rejection().message());
            LOG.warning(() -> subject + " reqid=" + refused.reqid() + " dropped, code "
                    + refused.rejection().code().value() + ": " + refused.rejection().message());
            return new Outcome.Refused(refused.rejection().message());
        }
        Intake.Accepted<P> accepted = (Intake.Accepted<P>) outcome;
        String reqid = accepted.context().reqid();
        boolean once = !deduplicated && recent.enabled() && subject.startsWith(Subjects.AUDIT_PREFIX);
        if (once) {
            RecentRequests.Claim claim = recent.claim(subject + '/' + reqid);
            if (claim != RecentRequests.Claim.FIRST) {
                stats.duplicate(subject);
                LOG.info(() -> subject + " reqid=" + reqid + ": repeated (" + claim.name().toLowerCase() + "); not handled again");
                return new Outcome.Duplicate(claim == RecentRequests.Claim.RUNNING);
            }
        }
        Outcome result = run(handler, subject, accepted, started);
        if (once) {
            if (result instanceof Outcome.Failed f && f.retryable()) {
                recent.forget(subject + '/' + reqid);
            } else {
                recent.handled(subject + '/' + reqid);
            }
        }
        return result;
    }

    private <P> Outcome run(EventHandler<P> handler, String subject, Intake.Accepted<P> accepted, long started) {
        String reqid = accepted.context().reqid();
        try {
            handler.handle(accepted.payload(), accepted.context());
            stats.handled(subject, System.nanoTime() - started);
            return HANDLED;
        } catch (ActionException e) {
            // A failure the handler could explain: its message says it all.
            stats.failed(subject, e.getMessage());
            LOG.severe(() -> subject + " reqid=" + reqid + " failed: " + e.getMessage());
            return new Outcome.Failed(e.getMessage(), e.retryable());
        } catch (IllegalArgumentException e) {
            // The message itself is unusable (say, no valid address): no retry can help.
            stats.failed(subject, e.getMessage());
            LOG.severe(() -> subject + " reqid=" + reqid + " failed: " + e.getMessage());
            return new Outcome.Refused(e.getMessage());
        } catch (Exception e) {
            stats.failed(subject, e.toString());
            LOG.log(Level.SEVERE, subject + " reqid=" + reqid + " failed: " + e, e);
            return new Outcome.Failed(e.toString(), true);
        }
    }

    private EventHandler<?> handlerFor(String subject) {
        EventHandler<?> exact = bySubject.get(subject);
        if (exact != null) {
            return exact;
        }
        for (EventHandler<?> handler : byPattern) {
            if (matches(handler.subject(), subject)) {
                return handler;
            }
        }
        return null;
    }

    static boolean isWildcard(String subject) {
        for (String token : subject.split("\\.", -1)) {
            if (token.equals("*") || token.equals(">")) {
                return true;
            }
        }
        return false;
    }

    /** NATS subject matching: {@code *} is one token, a final {@code >} one or more. */
    static boolean matches(String pattern, String subject) {
        String[] p = pattern.split("\\.", -1);
        String[] s = subject.split("\\.", -1);
        for (int i = 0; i < p.length; i++) {
            if (p[i].equals(">") && i == p.length - 1) {
                return s.length > i;
            }
            if (i >= s.length || !(p[i].equals("*") || p[i].equals(s[i]))) {
                return false;
            }
        }
        return p.length == s.length;
    }
}
