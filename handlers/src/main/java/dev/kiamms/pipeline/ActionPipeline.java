package dev.kiamms.pipeline;

import dev.kiamms.metrics.StatsTracker;
import dev.kiamms.protocol.Reply;
import dev.kiamms.protocol.ReplyCode;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns an action request into its reply: intake, then the handler, then the reply. It never
 * throws and never returns nothing, because KrossIAM blocks for a minute on a request that gets
 * no answer.
 */
public final class ActionPipeline {

    private static final Logger LOG = Logger.getLogger("kiamms.action");

    private final Intake intake;
    private final StatsTracker stats;
    private final RecentRequests recent;

    public ActionPipeline(Intake intake, StatsTracker stats) {
        this(intake, stats, RecentRequests.disabled());
    }

    /** @param recent remembers answered reqids, so that a repeated request gets the first reply and is not run twice */
    public ActionPipeline(Intake intake, StatsTracker stats, RecentRequests recent) {
        this.intake = intake;
        this.stats = stats;
        this.recent = recent;
    }

    /**
     * A request read and checked, not yet answered: its reqid is known from here on, for the
     * reply and every log line, even when it is answered later on another thread.
     */
    public record Request<P>(ActionHandler<P> handler, Intake.Outcome<P> outcome, long readNanos) {
        public String reqid() {
            return outcome.reqid();
        }
    }

    public <P> Request<P> read(ActionHandler<P> handler, String subject, byte[] body) {
        long started = System.nanoTime();
        Intake.Outcome<P> outcome = intake.read(subject, body, handler.payloadType());
        return new Request<>(handler, outcome, System.nanoTime() - started);
    }

    public <P> byte[] answer(ActionHandler<P> handler, String subject, byte[] body) {
        return answer(read(handler, subject, body));
    }

    public <P> byte[] answer(Request<P> request) {
        // The time spent reading counts, the time waiting for a worker does not.
        long started = System.nanoTime() - request.readNanos();
        ActionHandler<P> handler = request.handler();
        Intake.Outcome<P> outcome = request.outcome();
        if (outcome instanceof Intake.Refused<P> refused) {
            return encode(handler, refusal(handler, refused)); // nothing ran: never remembered
        }
        Intake.Accepted<P> accepted = (Intake.Accepted<P>) outcome;
        if (!recent.enabled() || !handler.hasSideEffects()) {
            return encode(handler, run(handler, accepted, started).reply());
        }
        // Keyed by action too, so that a reqid seen on one action never answers another.
        String key = handler.key() + '/' + accepted.context().reqid();
        RecentRequests.Answer answer = recent.answerOnce(key, () -> {
            Result r = run(handler, accepted, started);
            byte[] bytes = encode(handler, r.reply());
            return r.reusable() ? RecentRequests.Computed.reuse(bytes) : RecentRequests.Computed.once(bytes);
        });
        if (answer instanceof RecentRequests.Ran ran) {
            return ran.reply();
        }
        String reqid = accepted.context().reqid();
        if (answer instanceof RecentRequests.Repeated repeated) {
            stats.duplicate(handler.key());
            LOG.info(() -> "action " + handler.key() + " reqid=" + reqid + ": repeated request, answered with the first reply");
            return repeated.reply();
        }
        stats.duplicate(handler.key());
        LOG.warning(() -> "action " + handler.key() + " reqid=" + reqid + ": repeated while the first is still running");
        return refuse(reqid, "request " + reqid + " is already being handled; it is not run twice");
    }

    /** The reply, and whether a repeat of the request may get it again instead of running again. */
    private record Result(Reply reply, boolean reusable) {
    }

    /** An encoded code-1 reply for a request that is refused before it reaches its handler. */
    public byte[] refuse(String reqid, String message) {
        return intake.codec().encode(Reply.error(reqid, intake.clock().nowMicros(), ReplyCode.GENERAL_ERROR, message));
    }

    private <P> Reply refusal(ActionHandler<P> handler, Intake.Refused<P> refused) {
        stats.refused(handler.key(), refused.rejection().message());
        LOG.warning(() -> "action " + handler.key() + " reqid=" + refused.reqid() + " refused, code "
                + refused.rejection().code().value() + ": " + refused.rejection().message());
        return Reply.error(refused.reqid(), intake.clock().nowMicros(), refused.rejection().code(),
                refused.rejection().message());
    }

    private <P> Result run(ActionHandler<P> handler, Intake.Accepted<P> accepted, long started) {
        String reqid = accepted.context().reqid();
        try {
            Object result = handler.handle(accepted.payload(), accepted.context());
            stats.handled(handler.key(), System.nanoTime() - started);
            return new Result(Reply.ok(reqid, intake.clock().nowMicros(), result), true);
        } catch (ActionException e) {
            stats.failed(handler.key(), e.getMessage());
            LOG.warning(() -> "action " + handler.key() + " reqid=" + reqid + " failed: " + e.getMessage());
            // A failure that must not be retried (a mail that may have gone out) is answered the same way again.
            return new Result(Reply.error(reqid, intake.clock().nowMicros(), ReplyCode.GENERAL_ERROR, e.getMessage()),
                    !e.retryable());
        } catch (RuntimeException e) {
            stats.failed(handler.key(), "internal error (" + e.getClass().getSimpleName() + ")");
            LOG.log(Level.SEVERE, "action " + handler.key() + " reqid=" + reqid + " failed unexpectedly", e);
            return new Result(Reply.error(reqid, intake.clock().nowMicros(), ReplyCode.GENERAL_ERROR,
                    "internal error in " + handler.key() + " (" + e.getClass().getSimpleName()
                            + "); the kiam-ms log has the details under reqid " + reqid), false);
        }
    }

    private byte[] encode(ActionHandler<?> handler, Reply reply) {
        try {
            return intake.codec().encode(reply);
        } catch (IllegalStateException e) {
            LOG.log(Level.SEVERE, "action " + handler.key() + " reqid=" + reply.reqid() + ": " + e.getMessage(), e);
            return intake.codec().encode(Reply.error(reply.reqid(), intake.clock().nowMicros(), ReplyCode.GENERAL_ERROR,
                    "internal error: the " + handler.key() + " result could not be encoded"));
        }
    }
}
