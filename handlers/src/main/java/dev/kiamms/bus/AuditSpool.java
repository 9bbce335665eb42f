package dev.kiamms.bus;

import dev.kiamms.files.OwnerOnlyFiles;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.Subjects;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * A second, local net under the audit stream. KrossIAM publishes an audit once, fire and forget;
 * while the stream cannot take it (no stream leader, a cluster without quorum, JetStream not up
 * yet) the broker drops it without a word. So every audit is also written, durably, to a spool
 * in this kiam-ms's data directory by one kiam-ms of the queue group. A spooled audit whose reqid
 * the delivery ledger knows (its mail is being sent or was sent) is simply removed. One the ledger
 * still does not know after a grace period was not taken by the stream, or is waiting there
 * behind others: it is put into the stream, which confirms it, and then removed. If it was in the
 * stream after all, the ledger keeps the second copy from being mailed.
 */
public final class AuditSpool implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger("kiamms.spool");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Marks an audit kiam-ms moved from its spool into the stream, so that the spool does not take it again. */
    public static final String SPOOLED_HEADER = "Kiam-Ms-Spooled";
    /** The queue group of the spool subscriptions: one kiam-ms spools each audit. */
    public static final String QUEUE_GROUP = "kiam-ms-spool";

    /** One spooled audit, as kept on disk. */
    public record Entry(String subject, String reqid, String receivedAt, String body) {
    }

    private final Connection connection;
    private final Path dir;
    private final EnvelopeCodec codec;
    private final Supplier<DeliveryLedger> ledger;
    private final Duration grace;
    private final ScheduledExecutorService mover = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kiam-ms-spool");
        t.setDaemon(true);
        return t;
    });
    private Dispatcher dispatcher;
    private volatile int waiting;
    private volatile String lastProblem;

    /**
     * @param ledger the delivery ledger once JetStream is there; null until then
     * @param grace  how long an audit may wait for the stream's consumer before the spool puts it
     *               into the stream itself
     */
    public AuditSpool(Connection connection, Path dir, EnvelopeCodec codec, Supplier<DeliveryLedger> ledger, Duration grace) {
        this.connection = connection;
        this.dir = dir;
        this.codec = codec;
        this.ledger = ledger;
        this.grace = grace;
    }

    /** Subscribes (in the spool's queue group) and starts moving what is spooled, this run's and earlier runs'. */
    public synchronized void start() throws IOException {
        OwnerOnlyFiles.directory(dir);
        dispatcher = connection.createDispatcher(this::onAudit);
        dispatcher.subscribe(Subjects.AUDIT_PREFIX + ">", QUEUE_GROUP);
        mover.scheduleWithFixedDelay(this::moveAll, 1, 1, TimeUnit.SECONDS);
    }

    /** Audits in the spool for longer than the grace period: not yet in the hands of the stream's consumer. */
    public int waiting() {
        return waiting;
    }

    /** Why the last move failed, or null. */
    public String lastProblem() {
        return lastProblem;
    }

    private void onAudit(Message msg) {
        if (msg.hasHeaders() && msg.getHeaders().containsKey(SPOOLED_HEADER)) {
            return; // our own move into the stream
        }
        String reqid = codec.reqidOf(msg.getData());
        Instant now = Instant.now();
        Entry entry = new Entry(msg.getSubject(), reqid, now.toString(), new String(msg.getData(), StandardCharsets.UTF_8));
        String name = String.format("%019d-%s.json", epochNanos(now), DeadLetters.safe(reqid));
        try {
            OwnerOnlyFiles.writeDurably(dir.resolve(name), JSON.writeValueAsBytes(entry));
        } catch (IOException e) {
            // The stream may still have it; say so, with the reqid, so that nothing goes silently.
            LOG.severe(() -> msg.getSubject() + " reqid=" + reqid + " could not be spooled (" + e.getMessage()
                    + "); it is safe only if the stream took it. Check the disk under " + dir);
        }
    }

    /** Moves every spooled audit older than the grace period; runs once a second. */
    void moveAll() {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            lastProblem = "cannot read the spool " + dir + ": " + e.getMessage();
            return;
        }
        int stillWaiting = 0;
        boolean streamAnswers = true;
        long cutoff = epochNanos(Instant.now().minus(grace));
        for (Path file : files) {
            // Named by arrival time and sorted: the first one still within the grace period ends the round,
            // without reading the younger ones (read again every second, they would each be parsed ten times).
            if (arrivalNanos(file) > cutoff) {
                break;
            }
            try {
                Entry entry = JSON.readValue(file.toFile(), Entry.class);
                // After one refusal the rest wait for the next round: each try could take seconds.
                if (!streamAnswers || !move(file, entry)) {
                    streamAnswers = false;
                    stillWaiting++;
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "spool: cannot handle " + file + ": " + e.getMessage(), e);
                stillWaiting++;
            }
        }
        waiting = stillWaiting;
    }

    /** Nanoseconds since the epoch, fixed width in a spool file's name, so that names sort by arrival. */
    private static long epochNanos(Instant t) {
        return t.toEpochMilli() * 1_000_000L + t.getNano() % 1_000_000L;
    }

    /** When a spool file arrived, from its name; a name not made here counts as old, so the round reads and reports it. */
    private static long arrivalNanos(Path file) {
        String name = file.getFileName().toString();
        try {
            return Long.parseLong(name.substring(0, Math.min(19, name.length())));
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    /** @return true when the entry is done with (known to the ledger, or now in the stream) and removed */
    private boolean move(Path file, Entry entry) throws IOException {
        DeliveryLedger l = ledger.get();
        if (l == null) {
            lastProblem = "JetStream is not available yet";
            return false;
        }
        try {
            if (entry.reqid() != null && !entry.reqid().isBlank() && l.describe(entry.subject(), entry.reqid()) != null) {
                Files.deleteIfExists(file); // taken from the stream by a consumer: its record says so
                return true;
            }
            byte[] body = freshTime(entry.body());
            if (body == null) {
                // Not an envelope: the stream's consumer refuses it (and says so with its reqid) anyway.
                Files.deleteIfExists(file);
                return true;
            }
            Headers headers = new Headers().put(SPOOLED_HEADER, "1");
            Message copy = NatsMessage.builder().subject(entry.subject()).headers(headers).data(body).build();
            connection.jetStream(QUICK).publish(copy);
            Files.deleteIfExists(file);
            lastProblem = null;
            LOG.warning(() -> entry.subject() + " reqid=" + entry.reqid() + " was not taken from the stream within "
                    + grace.toSeconds() + " s of its arrival; moved from the spool into the stream");
            return true;
        } catch (JetStreamApiException | IOException e) {
            lastProblem = "the stream does not take audits now: " + e.getMessage();
            return false;
        }
    }

    /**
     * The envelope with the time of now, so that the age check of the stream's consumer passes;
     * reqid and payload unchanged. Null when the body is no JSON object.
     */
    private static byte[] freshTime(String body) {
        com.fasterxml.jackson.databind.JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (IOException notJson) {
            return null;
        }
        if (!(tree instanceof ObjectNode envelope)) {
            return null;
        }
        try {
            return DeadLetters.withNewTime(envelope, MicroClock.system().nowMicros());
        } catch (IOException e) {
            return null;
        }
    }

    private static final JetStreamOptions QUICK = JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(2)).build();

    @Override
    public synchronized void close() {
        mover.shutdownNow();
        if (dispatcher != null) {
            try {
                connection.closeDispatcher(dispatcher);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "spool dispatcher", e);
            }
        }
    }
}
