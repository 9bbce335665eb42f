package dev.kiamms.pipeline;

import java.util.Map;

/**
 * Where one subscription or durable consumer hands its messages: bound when it is created, so
 * no message is matched against patterns. Most read one subject kind and have one handler; the
 * shared audit consumer ({@code kiam.console.audit.>}) has one handler per audit subject.
 */
@FunctionalInterface
public interface EventTarget {

    /** @return the handler for a message on this subject, or null when there is none (the message is refused) */
    EventHandler<?> handlerFor(String subject);

    /** Every message goes to this handler. */
    static EventTarget of(EventHandler<?> handler) {
        return subject -> handler;
    }

    /** By exact subject; a subject with no handler is refused and logged with its reqid. */
    static EventTarget bySubject(Map<String, EventHandler<?>> handlers) {
        Map<String, EventHandler<?>> copy = Map.copyOf(handlers);
        return copy::get;
    }
}
