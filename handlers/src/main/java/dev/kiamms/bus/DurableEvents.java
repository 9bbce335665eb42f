package dev.kiamms.bus;

import dev.kiamms.pipeline.EventPipeline;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.Subjects;

import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;

import java.io.IOException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Audits (and log records) kept by the broker's JetStream until kiam-ms has handled them. KrossIAM
 * publishes them as plain messages; the stream captures them, so that none is lost while kiam-ms's
 * subscribers are down or the JVM restarts. Each kind is read through a durable pull consumer,
 * which several kiam-ms instances share, and a message is acknowledged only after its handler
 * finished. A failure is retried with growing pauses up to the configured attempts; then, or at
 * once when a retry could send a mail twice, the message becomes a dead letter.
 */
public final class DurableEvents implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger("kiamms.durable");

    public static final String STREAM = "KIAM_EVENTS";
    public static final String AUDIT_CONSUMER = "kiam-ms-audits";
    public static final String LOG_CONSUMER = "kiam-ms-logs";

    /** How much the stream keeps: older or excess messages are discarded, oldest first. */
    public record StreamLimits(Duration maxAge, long maxBytes) {
    }

    /** {@code maxAttempts} deliveries in all; pause before retry n is firstPause × 2^(n-1), at most maxPause. */
    public record RetryPolicy(int maxAttempts, Duration firstPause, Duration maxPause) {
        Duration pauseAfter(long attempt) {
            long millis = firstPause.toMillis() << Math.min(Math.max(attempt - 1, 0), 20);
            return Duration.ofMillis(Math.min(millis, maxPause.toMillis()));
        }
    }

    /** A consumer's state as the broker reports it. */
    public record ConsumerState(String name, long pending, long ackPending, long redelivered) {
    }

    private final Connection connection;
    private final EventPipeline pipeline;
    private final EnvelopeCodec codec;
    private final DeadLetters deadLetters;
    private final RetryPolicy retry;
    private final Duration ackWait;
    private final List<MessageConsumer> consumers = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder deadLettered = new LongAdder();

    /** @param ackWait how long a message may take before the broker delivers it again: longer than the slowest mail */
    public DurableEvents(Connection connection, EventPipeline pipeline, EnvelopeCodec codec, DeadLetters deadLetters,
                         RetryPolicy retry, Duration ackWait) {
        this.connection = connection;
        this.pipeline = pipeline;
        this.codec = codec;
        this.deadLetters = deadLetters;
        this.retry = retry;
        this.ackWait = ackWait;
    }

    /** Creates the stream, or brings an existing one's limits up to date. */
    public static StreamInfo ensureStream(Connection connection, StreamLimits limits) throws IOException, JetStreamApiException {
        JetStreamManagement jsm = connection.jetStreamManagement();
        StreamConfiguration config = StreamConfiguration.builder()
                .name(STREAM)
                .subjects(Subjects.AUDIT_PREFIX + ">", Subjects.LOG)
                .storageType(StorageType.File)
                .maxAge(limits.maxAge())
                .maxBytes(limits.maxBytes())
                .discardPolicy(DiscardPolicy.Old)
                .build();
        try {
            jsm.getStreamInfo(STREAM);
            return jsm.updateStream(config);
        } catch (JetStreamApiException notFound) {
            if (notFound.getErrorCode() != 404) {
                throw notFound;
            }
            return jsm.addStream(config);
        }
    }

    /** Starts reading one kind of message through the named durable consumer. */
    public synchronized void consume(String durable, String filterSubject) throws IOException, JetStreamApiException {
        ConsumerConfiguration cc = ConsumerConfiguration.builder()
                .durable(durable)
                .filterSubject(filterSubject)
                .ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.All)
                .ackWait(ackWait)
                // A backstop only: kiam-ms itself gives up after maxAttempts and keeps a dead letter.
                .maxDeliver(retry.maxAttempts() + 1L)
                .build();
        connection.jetStreamManagement().addOrUpdateConsumer(STREAM, cc);
        ConsumerContext context = connection.jetStream().getConsumerContext(STREAM, durable);
        consumers.add(context.consume(this::onMessage));
        LOG.info(() -> "reading " + filterSubject + " from stream " + STREAM + " as durable consumer " + durable);
    }

    public long deadLettered() {
        return deadLettered.sum();
    }

    public List<ConsumerState> state() {
        List<ConsumerState> out = new ArrayList<>();
        for (MessageConsumer c : snapshot()) {
            try {
                ConsumerInfo info = c.getConsumerInfo();
                out.add(new ConsumerState(info.getName(), info.getNumPending(), info.getNumAckPending(), info.getRedelivered()));
            } catch (IOException | JetStreamApiException e) {
                LOG.log(Level.FINE, "consumer info", e);
            }
        }
        return out;
    }

    /** Stream figures for status: messages, bytes, first and last sequence. */
    public static Map<String, Object> streamState(Connection connection) throws IOException, JetStreamApiException {
        StreamInfo info = connection.jetStreamManagement().getStreamInfo(STREAM);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("messages", info.getStreamState().getMsgCount());
        m.put("bytes", info.getStreamState().getByteCount());
        m.put("firstSequence", info.getStreamState().getFirstSequence());
        m.put("lastSequence", info.getStreamState().getLastSequence());
        return m;
    }

    /** Stops asking for messages and waits for the one being handled, up to {@code timeout}. */
    public boolean drain(Duration timeout) {
        snapshot().forEach(MessageConsumer::stop);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return inFlight.get() == 0;
    }

    @Override
    public void close() {
        for (MessageConsumer c : snapshot()) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.FINE, "consumer close", e);
            }
        }
    }

    private synchronized List<MessageConsumer> snapshot() {
        return List.copyOf(consumers);
    }

    private void onMessage(Message msg) {
        inFlight.incrementAndGet();
        try {
            handle(msg);
        } catch (RuntimeException e) {
            // Never let one message stop the consumer; the broker redelivers it after ackWait.
            LOG.log(Level.SEVERE, msg.getSubject() + " reqid=" + codec.peekReqid(msg.getData()) + " failed: " + e, e);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void handle(Message msg) {
        long attempt = msg.metaData().deliveredCount();
        ZonedDateTime stored = msg.metaData().timestamp();
        long receivedMicros = stored.toEpochSecond() * 1_000_000L + stored.getNano() / 1_000;
        EventPipeline.Outcome outcome = pipeline.deliver(msg.getSubject(), msg.getData(), receivedMicros);
        if (outcome instanceof EventPipeline.Outcome.Handled) {
            msg.ack();
        } else if (outcome instanceof EventPipeline.Outcome.Refused) {
            msg.term(); // already logged with its reqid; a retry cannot make it valid
        } else if (outcome instanceof EventPipeline.Outcome.Duplicate duplicate) {
            if (!duplicate.running()) {
                msg.ack(); // handled before; the copy still running settles its own delivery
            }
        } else if (outcome instanceof EventPipeline.Outcome.Failed failed) {
            if (failed.retryable() && attempt < retry.maxAttempts()) {
                Duration pause = retry.pauseAfter(attempt);
                LOG.warning(() -> msg.getSubject() + " reqid=" + codec.peekReqid(msg.getData()) + " attempt " + attempt
                        + " of " + retry.maxAttempts() + " failed; retrying in " + pause.toSeconds() + " s");
                msg.nakWithDelay(pause);
            } else {
                bury(msg, attempt, failed);
            }
        }
    }

    private void bury(Message msg, long attempt, EventPipeline.Outcome.Failed failed) {
        String reqid = codec.peekReqid(msg.getData());
        try {
            DeadLetters.Letter letter = deadLetters.put(msg.getSubject(), reqid, attempt, failed.reason(),
                    !failed.retryable(), msg.getData());
            deadLettered.increment();
            LOG.severe(() -> msg.getSubject() + " reqid=" + reqid + " given up after " + attempt + " attempt(s); kept as dead letter "
                    + letter.id() + " (kiam-ms dead-letters list)");
            msg.term();
        } catch (IOException e) {
            // Without a dead letter the message must stay in the stream: let the broker redeliver it.
            LOG.severe(() -> msg.getSubject() + " reqid=" + reqid + " cannot be kept as a dead letter (" + e.getMessage()
                    + "); leaving it to the broker to deliver again");
            msg.nakWithDelay(retry.maxPause());
        }
    }
}
