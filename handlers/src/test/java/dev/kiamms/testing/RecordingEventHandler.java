package dev.kiamms.testing;

import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.MessageContext;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test event handler that records what it is given; optionally fails for payloads a predicate
 * selects, to check that a failing handler does not stop the subscription.
 *
 * @param <P> the payload type; {@code JsonNode} takes any JSON unchanged
 */
public final class RecordingEventHandler<P> implements EventHandler<P> {

    /** One delivered message. */
    public record Call<P>(P payload, MessageContext context) {
    }

    /** Decides whether handling a payload throws. */
    @FunctionalInterface
    public interface Failure<P> {
        boolean failsOn(P payload);
    }

    private final String subject;
    private final Class<P> payloadType;
    private final Failure<P> failure;
    private final List<Call<P>> calls = new CopyOnWriteArrayList<>();

    public RecordingEventHandler(String subject, Class<P> payloadType) {
        this(subject, payloadType, p -> false);
    }

    public RecordingEventHandler(String subject, Class<P> payloadType, Failure<P> failure) {
        this.subject = subject;
        this.payloadType = payloadType;
        this.failure = failure;
    }

    @Override
    public String subject() {
        return subject;
    }

    @Override
    public Class<P> payloadType() {
        return payloadType;
    }

    @Override
    public void handle(P payload, MessageContext context) throws Exception {
        calls.add(new Call<>(payload, context));
        if (failure.failsOn(payload)) {
            throw new IllegalStateException("test handler told to fail");
        }
    }

    public List<Call<P>> calls() {
        return List.copyOf(calls);
    }

    public long count(String reqid) {
        return calls.stream().filter(c -> reqid.equals(c.context().reqid())).count();
    }

    /** Waits until a message with this reqid has been handled. */
    public Call<P> awaitReqid(String reqid, Duration timeout) {
        Await.until(timeout, () -> count(reqid) > 0, () -> subject + " never handled reqid " + reqid + "; got " + calls);
        return calls.stream().filter(c -> reqid.equals(c.context().reqid())).findFirst().orElseThrow();
    }
}
