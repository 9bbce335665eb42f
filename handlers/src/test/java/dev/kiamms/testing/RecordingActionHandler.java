package dev.kiamms.testing;

import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.ActionHandler;
import dev.kiamms.pipeline.MessageContext;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test action that records every request it handles (payload and context) and answers with
 * what {@link Behaviour} says: for checking what reaches a handler, how often, and what its
 * result or failure turns into on the wire.
 *
 * @param <P> the payload type; {@code JsonNode} takes any JSON unchanged
 */
public final class RecordingActionHandler<P> implements ActionHandler<P> {

    /** What the handler does with a request. */
    @FunctionalInterface
    public interface Behaviour<P> {
        Object handle(P payload, MessageContext context) throws ActionException;
    }

    /** One handled request. */
    public record Call<P>(P payload, MessageContext context) {
    }

    private final String key;
    private final Class<P> payloadType;
    private final Behaviour<P> behaviour;
    private final List<Call<P>> calls = new CopyOnWriteArrayList<>();

    public RecordingActionHandler(String key, Class<P> payloadType, Behaviour<P> behaviour) {
        this.key = key;
        this.payloadType = payloadType;
        this.behaviour = behaviour;
    }

    /** Answers with the payload it got. */
    public static <P> RecordingActionHandler<P> echo(String key, Class<P> payloadType) {
        return new RecordingActionHandler<>(key, payloadType, (payload, context) -> payload);
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public Class<P> payloadType() {
        return payloadType;
    }

    @Override
    public Object handle(P payload, MessageContext context) throws ActionException {
        calls.add(new Call<>(payload, context));
        return behaviour.handle(payload, context);
    }

    public List<Call<P>> calls() {
        return List.copyOf(calls);
    }

    public List<String> reqids() {
        return calls.stream().map(c -> c.context().reqid()).toList();
    }

    public int count() {
        return calls.size();
    }
}
