package dev.kiamms.bus;

import dev.kiamms.mail.delivery.AttemptEntry;
import dev.kiamms.mail.delivery.AttemptLog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.Message;
import io.nats.client.OrderedConsumerContext;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The attempt log on the broker: a JetStream stream that every kiam-ms instance on the broker
 * writes its delivery attempts to (one message per attempt, under the reqid's subject), kept for a
 * bounded time and size, and read by {@code kiam-ms deliveries}.
 *
 * <p>Recording publishes asynchronously with at most {@value #MAX_IN_FLIGHT} publishes awaiting
 * the broker's acknowledgement: a slow or absent JetStream drops entries (logged with their
 * reqid) rather than holding up a mail.
 */
public final class AttemptStream implements AttemptLog {

    private static final Logger LOG = Logger.getLogger("kiamms.mail");
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final JetStreamOptions QUICK = JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(5)).build();

    public static final String STREAM = "KIAM_ATTEMPTS";
    public static final String SUBJECT_PREFIX = "kiam-ms.attempts.";
    /** The subjects kiam-ms's broker user publishes the attempts to. */
    public static final String WRITE_SUBJECTS = SUBJECT_PREFIX + ">";
    static final int MAX_IN_FLIGHT = 256;

    /** How long and how much the stream keeps. */
    public record Limits(Duration maxAge, long maxBytes, int replicas) {
    }

    /** Which entries to read; null or empty fields select everything. */
    public record Query(String reqid, String toAddress, Instant since, int limit) {
    }

    private final JetStream jetStream;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

    private AttemptStream(JetStream jetStream) {
        this.jetStream = jetStream;
    }

    /** Creates the stream or brings its limits up to date, and returns a log that writes to it. */
    public static AttemptStream open(Connection connection, Limits limits) throws IOException, JetStreamApiException {
        JetStreamManagement jsm = connection.jetStreamManagement(QUICK);
        StreamConfiguration config = StreamConfiguration.builder()
                .name(STREAM)
                .description("kiam-ms: every mail delivery attempt (recipients masked), for 'kiam-ms deliveries'")
                .subjects(WRITE_SUBJECTS)
                .storageType(StorageType.File)
                .maxAge(limits.maxAge())
                .maxBytes(limits.maxBytes())
                .discardPolicy(DiscardPolicy.Old)
                .replicas(limits.replicas())
                .build();
        JetStreamStores.createOrUpdate(jsm, config);
        return new AttemptStream(connection.jetStream(QUICK));
    }

    /** The subject of a reqid's attempts: its bytes in URL-safe base64, since a reqid may hold dots or spaces. */
    static String subject(String reqid) {
        String r = reqid == null ? "" : reqid;
        return SUBJECT_PREFIX + (r.isEmpty() ? "_" : Base64.getUrlEncoder().withoutPadding().encodeToString(r.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void record(AttemptEntry entry) {
        if (!inFlight.tryAcquire()) {
            LOG.warning(() -> "reqid=" + entry.reqid() + " delivery attempt not recorded: " + MAX_IN_FLIGHT
                    + " records already wait for the broker");
            return;
        }
        try {
            jetStream.publishAsync(subject(entry.reqid()), JSON.writeValueAsBytes(entry)).whenComplete((ack, failure) -> {
                inFlight.release();
                if (failure != null) {
                    LOG.log(Level.WARNING, () -> "reqid=" + entry.reqid() + " delivery attempt not recorded: " + failure.getMessage());
                }
            });
        } catch (JsonProcessingException | RuntimeException e) {
            inFlight.release();
            LOG.log(Level.WARNING, () -> "reqid=" + entry.reqid() + " delivery attempt not recorded: " + e.getMessage());
        }
    }

    /**
     * The entries {@code query} selects, oldest first, at most {@code query.limit()} (the newest).
     * Empty when the stream does not exist (kiam-ms never recorded anything there).
     */
    public static List<AttemptEntry> read(Connection connection, Query query) throws IOException, JetStreamApiException,
            InterruptedException {
        JetStreamManagement jsm = connection.jetStreamManagement(QUICK);
        try {
            if (jsm.getStreamInfo(STREAM).getStreamState().getMsgCount() == 0) {
                return List.of();
            }
        } catch (JetStreamApiException notFound) {
            if (notFound.getErrorCode() == 404) {
                return List.of();
            }
            throw notFound;
        }
        String filter = query.reqid() == null || query.reqid().isEmpty() ? WRITE_SUBJECTS : subject(query.reqid());
        OrderedConsumerConfiguration c = new OrderedConsumerConfiguration().filterSubject(filter);
        if (query.since() != null) {
            c.deliverPolicy(DeliverPolicy.ByStartTime).startTime(query.since().atZone(ZoneOffset.UTC));
        }
        String hash = query.toAddress() == null || query.toAddress().isBlank() ? null : AttemptEntry.hash(query.toAddress());
        int limit = query.limit() > 0 ? query.limit() : Integer.MAX_VALUE;
        Deque<AttemptEntry> newest = new ArrayDeque<>();
        OrderedConsumerContext consumer = connection.getStreamContext(STREAM, QUICK).createOrderedConsumer(c);
        while (true) {
            Message m;
            try {
                // The broker says how many remain; the wait only ends a read that matched nothing.
                m = consumer.next(Duration.ofSeconds(2));
            } catch (io.nats.client.JetStreamStatusCheckedException e) {
                throw new IOException("reading " + STREAM + ": " + e.getMessage(), e);
            }
            if (m == null) {
                break;
            }
            AttemptEntry e = parse(m);
            if (e != null && (hash == null || e.toHashes().contains(hash))) {
                newest.addLast(e);
                if (newest.size() > limit) {
                    newest.removeFirst();
                }
            }
            if (m.metaData().pendingCount() == 0) {
                break;
            }
        }
        return new ArrayList<>(newest);
    }

    private static AttemptEntry parse(Message m) {
        try {
            return JSON.readValue(m.getData(), AttemptEntry.class);
        } catch (IOException e) {
            LOG.fine(() -> "skipped an unreadable entry in " + STREAM + " on " + m.getSubject() + ": " + e.getMessage());
            return null;
        }
    }
}
