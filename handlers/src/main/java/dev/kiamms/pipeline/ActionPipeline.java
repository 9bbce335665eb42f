package dev.kiamms.pipeline;

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
    private final HandlerStats stats;

    public ActionPipeline(Intake intake, HandlerStats stats) {
        this.intake = intake;
        this.stats = stats;
    }

    public <P> byte[] answer(ActionHandler<P> handler, String subject, byte[] body) {
        Reply reply = reply(handler, subject, body);
        try {
            return intake.codec().encode(reply);
        } catch (IllegalStateException e) {
            LOG.log(Level.SEVERE, "action " + handler.key() + " reqid=" + reply.reqid() + ": " + e.getMessage(), e);
            return intake.codec().encode(Reply.error(reply.reqid(), intake.clock().nowMicros(), ReplyCode.GENERAL_ERROR,
                    "internal error: the " + handler.key() + " result could not be encoded"));
        }
    }

    /** An encoded code-1 reply for a request that is refused before it reaches its handler. */
    public byte[] refuse(String reqid, String message) {
        return intake.codec().encode(Reply.error(reqid, intake.clock().nowMicros(), ReplyCode.GENERAL_ERROR, message));
    }

    public <P> Reply reply(ActionHandler<P> handler, String subject, byte[] body) {
        long started = System.nanoTime();
        Intake.Outcome<P> outcome = intake.read(subject, body, handler.payloadType());
        if (outcome instanceof Intake.Refused<P> refused) {
            stats.refused(handler.key());
            LOG.warning(() -> "action " + handler.key() + " reqid=" + refused.reqid() + " refused, code "
                    + refused.rejection().code().value() + ": " + refused.rejection().message());
            return Reply.error(refused.reqid(), intake.clock().nowMicros(), refused.rejection().code(),
                    refused.rejection().message());
        }
        Intake.Accepted<P> accepted = (Intake.Accepted<P>) outcome;
        String reqid = accepted.context().reqid();
        try {
            Object result = handler.handle(accepted.payload(), accepted.context());
            stats.handled(handler.key(), System.nanoTime() - started);
            return Reply.ok(reqid, intake.clock().nowMicros(), result);
        } catch (ActionException e) {
            stats.failed(handler.key());
            LOG.warning(() -> "action " + handler.key() + " reqid=" + reqid + " failed: " + e.getMessage());
            return Reply.error(reqid, intake.clock().nowMicros(), ReplyCode.GENERAL_ERROR, e.getMessage());
        } catch (RuntimeException e) {
            stats.failed(handler.key());
            LOG.log(Level.SEVERE, "action " + handler.key() + " reqid=" + reqid + " failed unexpectedly", e);
            return Reply.error(reqid, intake.clock().nowMicros(), ReplyCode.GENERAL_ERROR,
                    "internal error in " + handler.key() + " (" + e.getClass().getSimpleName()
                            + "); the kiam-ms log has the details under reqid " + reqid);
        }
    }
}
