package dev.kiamms.pipeline;

import dev.kiamms.protocol.Subjects;

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
    private final HandlerStats stats;
    private final RecentRequests recent;

    public EventPipeline(Intake intake, HandlerStats stats) {
        this(intake, stats, RecentRequests.disabled());
    }

    /**
     * @param recent reqids of audits handled lately (notices and logs are not checked: their
     *               volume would push the audits out)
     */
    public EventPipeline(Intake intake, HandlerStats stats, RecentRequests recent) {
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
        if (handler == null) {
            LOG.warning(() -> "no handler for " + subject + "; dropped reqid=" + intake.codec().peekReqid(body));
            stats.refused(subject);
            return new Outcome.Refused("no handler for " + subject);
        }
        return handle(handler, subject, body, receivedMicros, deduplicated);
    }

    private <P> Outcome handle(EventHandler<P> handler, String subject, byte[] body, long receivedMicros, boolean deduplicated) {
        long started = System.nanoTime();
        Intake.Outcome<P> outcome = intake.read(subject, body, handler.payloadType(), receivedMicros);
        if (outcome instanceof Intake.Refused<P> refused) {
            stats.refused(subject);
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
            stats.failed(subject);
            LOG.severe(() -> subject + " reqid=" + reqid + " failed: " + e.getMessage());
            return new Outcome.Failed(e.getMessage(), e.retryable());
        } catch (IllegalArgumentException e) {
            // The message itself is unusable (say, no valid address): no retry can help.
            stats.failed(subject);
            LOG.severe(() -> subject + " reqid=" + reqid + " failed: " + e.getMessage());
            return new Outcome.Refused(e.getMessage());
        } catch (Exception e) {
            stats.failed(subject);
            LOG.log(Level.SEVERE, subject + " reqid=" + reqid + " failed: " + e, e);
            return new Outcome.Failed(e.toString(), true);
        }
    }
}
