package dev.kiamms.testing;

import dev.kiamms.bus.MessageBus;
import dev.kiamms.bus.QuietErrorListener;
import dev.kiamms.pipeline.ActionHandler;
import dev.kiamms.pipeline.ActionPipeline;
import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.EventPipeline;
import dev.kiamms.metrics.CountingStats;
import dev.kiamms.pipeline.Intake;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.EnvelopeValidator;
import dev.kiamms.protocol.Subjects;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The handlers' pipeline running on a NATS connection, wired the way the app wires it: codec,
 * validator, intake, stats, action and event pipelines, then one {@link MessageBus} in queue
 * group {@value #QUEUE_GROUP}. {@link #stats()} tells a test what became of messages that get
 * no reply (events, dropped requests).
 */
public final class PipelineHarness implements AutoCloseable {

    public static final String QUEUE_GROUP = "kiam-ms";
    /** What kiam-ms listens to besides its actions. */
    public static final List<String> DEFAULT_EVENT_PATTERNS = List.of(
            Subjects.AUDIT_PREFIX + ">", Subjects.NOTICE_PREFIX + ">", Subjects.LOG);

    private final Connection connection;
    private final boolean ownsConnection;
    private final EnvelopeCodec codec;
    private final CountingStats stats;
    private final MessageBus bus;
    private final List<String> subscribed;

    private PipelineHarness(Connection connection, boolean ownsConnection, EnvelopeCodec codec, CountingStats stats,
                            MessageBus bus, List<String> subscribed) {
        this.connection = connection;
        this.ownsConnection = ownsConnection;
        this.codec = codec;
        this.stats = stats;
        this.bus = bus;
        this.subscribed = subscribed;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Connection connection() {
        return connection;
    }

    public EnvelopeCodec codec() {
        return codec;
    }

    public CountingStats stats() {
        return stats;
    }

    public MessageBus bus() {
        return bus;
    }

    public List<String> subscribed() {
        return subscribed;
    }

    /** Closes the connection if the harness opened it; a caller's connection stays theirs to close. */
    @Override
    public void close() {
        if (ownsConnection) {
            try {
                connection.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public static final class Builder {
        private final List<ActionHandler<?>> actions = new ArrayList<>();
        private final List<EventHandler<?>> events = new ArrayList<>();
        private List<String> eventPatterns = DEFAULT_EVENT_PATTERNS;
        private MicroClock clock = MicroClock.system();
        private EnvelopeValidator validator = new EnvelopeValidator();

        private Builder() {
        }

        public Builder action(ActionHandler<?> handler) {
            actions.add(handler);
            return this;
        }

        public Builder event(EventHandler<?> handler) {
            events.add(handler);
            return this;
        }

        /** The subjects subscribed for events; default {@link #DEFAULT_EVENT_PATTERNS}. */
        public Builder eventPatterns(List<String> patterns) {
            this.eventPatterns = List.copyOf(patterns);
            return this;
        }

        public Builder clock(MicroClock clock) {
            this.clock = clock;
            return this;
        }

        public Builder validator(EnvelopeValidator validator) {
            this.validator = validator;
            return this;
        }

        /** Opens a connection named {@code kiam-ms} to {@code url} and subscribes on it. */
        public PipelineHarness connect(String url) throws IOException, InterruptedException {
            Options options = new Options.Builder()
                    .server(url)
                    .connectionName("kiam-ms")
                    .connectionTimeout(Duration.ofSeconds(5))
                    .errorListener(new QuietErrorListener("kiamms.test.bus"))
                    .build();
            Connection connection = Nats.connect(options);
            try {
                return start(connection, true);
            } catch (IOException | RuntimeException e) {
                connection.close();
                throw e;
            }
        }

        /** Subscribes on a connection the caller owns. */
        public PipelineHarness start(Connection connection) throws IOException, InterruptedException {
            return start(connection, false);
        }

        /**
         * Each pattern bound to the handlers given for it: a handler for exactly the message's
         * subject, else the one registered under the pattern itself.
         */
        private List<MessageBus.EventSubscription> eventSubscriptions() {
            java.util.Map<String, EventHandler<?>> bySubject = new java.util.HashMap<>();
            events.forEach(h -> bySubject.putIfAbsent(h.subject(), h));
            return eventPatterns.stream().map(pattern -> new MessageBus.EventSubscription(pattern,
                    subject -> bySubject.getOrDefault(subject, bySubject.get(pattern)))).toList();
        }

        private PipelineHarness start(Connection connection, boolean owns) throws IOException, InterruptedException {
            EnvelopeCodec codec = new EnvelopeCodec();
            Intake intake = new Intake(codec, validator, clock);
            CountingStats stats = new CountingStats();
            ActionPipeline actionPipeline = new ActionPipeline(intake, stats);
            EventPipeline eventPipeline = new EventPipeline(intake, stats);
            MessageBus bus = new MessageBus(connection, QUEUE_GROUP, actionPipeline, eventPipeline);
            List<String> subscribed = bus.subscribe(List.copyOf(actions), eventSubscriptions());
            try {
                // A flush round trip means the server has registered every SUB: a request sent
                // next cannot meet "no responders".
                connection.flush(Duration.ofSeconds(5));
            } catch (TimeoutException e) {
                throw new IOException("subscriptions not confirmed by the broker within 5 s", e);
            }
            return new PipelineHarness(connection, owns, codec, stats, bus, subscribed);
        }
    }
}
