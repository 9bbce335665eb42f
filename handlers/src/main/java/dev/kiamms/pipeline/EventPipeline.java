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

    /** @return true when a handler ran to completion */
    public boolean deliver(String subject, byte[] body) {
        EventHandler<?> handler = bySubject.get(subject);
        if (handler == null) {
            LOG.warning(() -> "no handler for " + subject + "; dropped reqid=" + intake.codec().peekReqid(body));
            stats.refused(subject);
            return false;
        }
        return deliver(handler, subject, body);
    }

    private <P> boolean deliver(EventHandler<P> handler, String subject, byte[] body) {
        long started = System.nanoTime();
        Intake.Outcome<P> outcome = intake.read(subject, body, handler.payloadType());
        if (outcome instanceof Intake.Refused<P> refused) {
            stats.refused(subject);
            LOG.warning(() -> subject + " reqid=" + refused.reqid() + " dropped, code "
                    + refused.rejection().code().value() + ": " + refused.rejection().message());
            return false;
        }
        Intake.Accepted<P> accepted = (Intake.Accepted<P>) outcome;
        try {
            handler.handle(accepted.payload(), accepted.context());
            stats.handled(subject, System.nanoTime() - started);
            return true;
        } catch (ActionException | IllegalArgumentException e) {
            // A failure the handler could explain: its message says it all.
            stats.failed(subject);
            LOG.severe(() -> subject + " reqid=" + accepted.context().reqid() + " failed: " + e.getMessage());
            return false;
        } catch (Exception e) {
            stats.failed(subject);
            LOG.log(Level.SEVERE, subject + " reqid=" + accepted.context().reqid() + " failed: " + e, e);
            return false;
        }
    }
}
