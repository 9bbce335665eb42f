package dev.kiamms.app.registry;

import dev.kiamms.app.config.Settings;
import dev.kiamms.pipeline.EventHandler;

import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One fire-and-forget message kind as data: the subject (or pattern) it arrives on, how it is
 * read, which setting switches it on, and how its handler is built.
 *
 * @param consumer  the durable consumer's name for {@link EventKind#DURABLE} and {@link EventKind#DURABLE_ONCE}; null otherwise
 * @param enabled   reads the switch in the settings ({@code service.audits.subscribe}, ...)
 * @param needsMail whether the handler sends mail, so templates and MTAs must load while it is switched on
 * @param sendTest  the picocli command that sends this message as KrossIAM would, or null
 */
public record EventRegistration(
        String subject,
        EventKind kind,
        String consumer,
        Predicate<Settings> enabled,
        boolean needsMail,
        Function<HandlerContext, EventHandler<?>> handler,
        Class<?> sendTest) {

    public EventRegistration {
        boolean ownConsumer = kind == EventKind.DURABLE || kind == EventKind.DURABLE_ONCE;
        if (ownConsumer != (consumer != null)) {
            throw new IllegalArgumentException(subject + ": a durable consumer name goes with DURABLE or DURABLE_ONCE and only with them");
        }
    }
}
