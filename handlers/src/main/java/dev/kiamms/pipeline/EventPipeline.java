package dev.kiamms.pipeline;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The fire-and-forget variant of the pipeline, for audits, notices and log records: intake, then
 * the handler registered for the subject. Nothing is replied, so every message that is not handled
 * is logged with its reqid and the reason.
 */
public final class EventPipeline {

    private static final Logger LOG = Logger.getLogger("kiamms.event");

    private final Intake intake;
    private final HandlerStats stats;
    private final Map<String, EventHandler<?>> bySubject;

    public EventPipeline(Intake intake, HandlerStats stats, List<EventHandler<?>> handlers) {
        this.intake = intake;
        this.stats = stats;
        this.bySubject = handlers.stream().collect(Collectors.toUnmodifiableMap(EventHandler::subject, Function.identity()));
    }

    public boolean handles(String subject) {
        return bySubject.containsKey(subject);
    }

    /** Whether the handler for this subject waits on I/O (unknown subjects do not). */
    public boolean blocking(String subject) {
        EventHandler<?> handler = bySubject.get(subject);
        return handler != null && handler.blocking();
    }

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
    }

    private static final Outcome HANDLED = new Outcome.Handled();

    public Outcome deliver(String subject, byte[] body) {
        return deliver(subject, body, intake.clock().nowMicros());
    }

    /** @param receivedMicros when the broker received the message, see {@link Intake#read(String, byte[], Class, long)} */
    public Outcome deliver(String subject, byte[] body, long receivedMicros) {
        EventHandler<?> handler = bySubject.get(subject);
        if (handler == null) {
            LOG.warning(() -> "no handler for " + subject + "; dropped reqid=" + intake.codec().peekReqid(body));
            stats.refused(subject);
            return new Outcome.Refused("no handler for " + subject);
        }
        return deliver(handler, subject, body, receivedMicros);
    }

    private <P> Outcome deliver(EventHandler<P> handler, String subject, byte[] body, long receivedMicros) {
        long started = System.nanoTime();
        Intake.Outcome<P> outcome = intake.read(subject, body, handler.payloadType(), receivedMicros);
        if (outcome instanceof Intake.Refused<P> refused) {
            stats.refused(subject);
            LOG.warning(() -> subject + " reqid=" + refused.reqid() + " dropped, code "
                    + refused.rejection().code().value() + ": " + refused.rejection().message());
            return new Outcome.Refused(refused.rejection().message());
        }
        Intake.Accepted<P> accepted = (Intake.Accepted<P>) outcome;
        try {
            handler.handle(accepted.payload(), accepted.context());
            stats.handled(subject, System.nanoTime() - started);
            return HANDLED;
        } catch (ActionException e) {
            // A failure the handler could explain: its message says it all.
            stats.failed(subject);
            LOG.severe(() -> subject + " reqid=" + accepted.context().reqid() + " failed: " + e.getMessage());
            return new Outcome.Failed(e.getMessage(), e.retryable());
        } catch (IllegalArgumentException e) {
            // The message itself is unusable (say, no valid address): no retry can help.
            stats.failed(subject);
            LOG.severe(() -> subject + " reqid=" + accepted.context().reqid() + " failed: " + e.getMessage());
            return new Outcome.Refused(e.getMessage());
        } catch (Exception e) {
            stats.failed(subject);
            LOG.log(Level.SEVERE, subject + " reqid=" + accepted.context().reqid() + " failed: " + e, e);
            return new Outcome.Failed(e.toString(), true);
        }
    }
}
