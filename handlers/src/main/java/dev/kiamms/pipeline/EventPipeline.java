package dev.kiamms.pipeline;

import dev.kiamms.metrics.StatsTracker;
import dev.kiamms.protocol.Subjects;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The fire-and-forget variant of the pipeline, for audits, notices and log records: intake, then
 * the handler its subscription is bound to. Nothing is replied, so every message that is not handled
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

    public EventPipeline(Intake intake, StatsTracker stats) {
        this(intake, stats, RecentRequests.disabled());
    }

    /**
     * @param recent reqids of audits handled lately (notices and logs are not checked: their
     *               volume would push the audits out)
     */
    public EventPipeline(Intake intake, StatsTracker stats, RecentRequests recent) {
        this.intake = intake;
        this.stats = stats;
        this.recent = recent;
    }

    /** @param handler the one its subscription is bound to; null when it has none for this subject */
    public Outcome deliver(EventHandler<?> handler, String subject, byte[] body) {
        return deliver(handler, subject, body, intake.clock().nowMicros(), false);
    }

    /**
     * @param receivedMicros when the broker received the message, see {@link Intake#read(String, byte[], Class, long)}
     * @param deduplicated   the caller has made sure by a durable record that this reqid was not
     *                       handled before (the broker's delivery ledger): the in-memory window is
     *                       not asked, so that a person's replay of a dead letter is not taken for a repeat
     */
    public Outcome deliver(EventHandler<?> handler, String subject, byte[] body, long receivedMicros, boolean deduplicated) {
        return deliver(receive(handler, subject, body, receivedMicros), deduplicated);
    }

    /**
     * A message read and checked, not yet handled: its reqid is known from here on, for the
     * acknowledgement, a dead letter and every log line, even when it is handled later on
     * another thread. {@code handler} is null when no handler takes its subject.
     */
    public record Received<P>(String subject, EventHandler<P> handler, Intake.Outcome<P> outcome, long readNanos) {
        /** The request id as far as it could be read, or null. */
        public String reqid() {
            return outcome.reqid();
        }
    }

    /** A live message, received now, for the handler its subscription is bound to (null: none for this subject). */
    public Received<?> receive(EventHandler<?> handler, String subject, byte[] body) {
        return receive(handler, subject, body, intake.clock().nowMicros());
    }

    /** @param receivedMicros when the broker received the message, see {@link Intake#read(String, byte[], Class, long)} */
    public Received<?> receive(EventHandler<?> handler, String subject, byte[] body, long receivedMicros) {
        if (handler == null) {
            // Read only to name the message in the log line that says it is dropped.
            return new Received<>(subject, null, intake.read(subject, body, JsonNode.class, receivedMicros), 0);
        }
        return read(handler, subject, body, receivedMicros);
    }

    private <P> Received<P> read(EventHandler<P> handler, String subject, byte[] body, long receivedMicros) {
        long started = System.nanoTime();
        Intake.Outcome<P> outcome = intake.read(subject, body, handler.payloadType(), receivedMicros);
        return new Received<>(subject, handler, outcome, System.nanoTime() - started);
    }

    /** @param deduplicated see {@link #deliver(EventHandler, String, byte[], long, boolean)} */
    public <P> Outcome deliver(Received<P> received, boolean deduplicated) {
        String subject = received.subject();
        EventHandler<P> handler = received.handler();
        if (handler == null) {
            LOG.warning(() -> "no handler for " + subject + "; dropped reqid=" + received.reqid());
            stats.refused(subject, "no handler for " + subject);
            return new Outcome.Refused("no handler for " + subject);
        }
        // The time spent reading counts, the time waiting for a worker does not.
        long started = System.nanoTime() - received.readNanos();
        Intake.Outcome<P> outcome = received.outcome();
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
}
