package dev.kiamms.bus;

import dev.kiamms.pipeline.EventPipeline;
import dev.kiamms.pipeline.EventTarget;
import dev.kiamms.protocol.Subjects;

import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
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
import java.util.concurrent.TimeUnit;
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

    /**
     * How much the stream keeps (older or excess messages are discarded, oldest first), and on
     * how many servers of a cluster it is kept.
     */
    public record StreamLimits(Duration maxAge, long maxBytes, int replicas) {
    }

    /** {@code maxAttempts} deliveries in all; pause before retry n is firstPause × 2^(n-1), at most maxPause. */
    public record RetryPolicy(int maxAttempts, Duration firstPause, Duration maxPause) {
        Duration pauseAfter(long attempt) {
            long millis = firstPause.toMillis() << Math.min(Math.max(attempt - 1, 0), 20);
            return Duration.ofMillis(Math.min(millis, maxPause.toMillis()));
        }
    }

    /**
     * A consumer's state as the broker reports it, with how long it has had messages waiting and
     * taken none ({@code stalledMillis}, 0 when it is keeping up).
     */
    public record ConsumerState(String name, long pending, long ackPending, long redelivered, long stalledMillis) {
    }

    /** One durable consumer kiam-ms reads: its name, subject, and whether its messages go through the ledger. */
    private record Reader(String durable, String filterSubject, boolean exactlyOnce, EventTarget target) {
    }

    /** What the watcher last saw of a consumer, to tell progress from a stall. */
    private record Seen(long deliveredSeq, long ackFloorSeq, long sinceNanos, ConsumerState state) {
    }

    /** How long the broker waits for a pull to be filled; short, so that a lost pull is renewed within seconds. */
    private static final long PULL_EXPIRES_MILLIS = 5_000;
    /** A consumer with messages waiting and nothing taken for this long is pulled again from scratch. */
    private static final Duration RESUME_AFTER = Duration.ofSeconds(2);
    /** JetStream failing to answer the watcher for this long is reported (a broker restart takes less). */
    private static final Duration UNANSWERED_AFTER = Duration.ofSeconds(5);
    /**
     * For the questions kiam-ms asks the broker while it resumes and watches: a restarted broker
     * may leave the first ones unanswered, and asking again soon beats waiting the default 5 s.
     */
    private static final io.nats.client.JetStreamOptions QUICK = io.nats.client.JetStreamOptions.builder()
            .requestTimeout(Duration.ofSeconds(1)).build();
    /** Durable messages handled at once, for all consumers together. */
    private static final int WORKERS = 8;
    /** How long completing a ledger record may wait for the broker to come back. */
    private static final Duration LEDGER_PATIENCE = Duration.ofSeconds(30);

    private final Connection connection;
    private final EventPipeline pipeline;
    private final DeadLetters deadLetters;
    private final RetryPolicy retry;
    private final Duration ackWait;
    private final DeliveryLedger ledger;
    private final List<Reader> readers = new ArrayList<>();
    private final Map<String, MessageConsumer> consumers = new LinkedHashMap<>();
    private final Map<String, Seen> seen = new java.util.concurrent.ConcurrentHashMap<>();
    /** Messages being handled now, by subject and reqid: a copy the broker redelivers meanwhile waits for this one. */
    private final java.util.Set<String> inHand = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final LongAdder deadLettered = new LongAdder();
    private final LongAdder possiblyDelivered = new LongAdder();
    private final java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "kiam-ms-durable");
        t.setDaemon(true);
        return t;
    });
    /** Messages handled at once: mails wait on their MTA, so several go out side by side. */
    private final java.util.concurrent.Semaphore slots;
    private final java.util.concurrent.ExecutorService workers;
    private volatile boolean stopped;
    private volatile String unavailable;
    /** When the watcher's questions to JetStream began to fail (System.nanoTime), 0 while they are answered. */
    private volatile long lookFailingSince;

    /**
     * @param ackWait how long the broker waits for an acknowledgement before it delivers a message
     *                again; while a message is being handled kiam-ms tells the broker so every third
     *                of it, so this bounds only how late a message held by a crashed kiam-ms is
     * @param ledger  records each message of an exactly-once reader before and after its handling;
     *                null on a broker without it (then only the in-memory window prevents repeats)
     */
    public DurableEvents(Connection connection, EventPipeline pipeline, DeadLetters deadLetters,
                         RetryPolicy retry, Duration ackWait, DeliveryLedger ledger) {
        this.connection = connection;
        this.pipeline = pipeline;
        this.deadLetters = deadLetters;
        this.retry = retry;
        this.ackWait = ackWait;
        this.ledger = ledger;
        this.slots = new java.util.concurrent.Semaphore(WORKERS);
        AtomicInteger n = new AtomicInteger();
        this.workers = java.util.concurrent.Executors.newFixedThreadPool(WORKERS, r -> {
            Thread t = new Thread(r, "kiam-ms-durable-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Creates the stream, or brings an existing one's limits up to date. It keeps audits, log
     * records and {@code notices} (routed notice subjects): an existing stream's subjects are set
     * to exactly these, so a notice whose route was removed is no longer kept.
     */
    public static StreamInfo ensureStream(Connection connection, StreamLimits limits, List<String> notices)
            throws IOException, JetStreamApiException {
        JetStreamManagement jsm = connection.jetStreamManagement(QUICK);
        List<String> subjects = new ArrayList<>(List.of(Subjects.AUDIT_PREFIX + ">", Subjects.LOG));
        notices.stream().filter(n -> !subjects.contains(n)).forEach(subjects::add);
        StreamConfiguration config = StreamConfiguration.builder()
                .name(STREAM)
                .subjects(subjects)
                .storageType(StorageType.File)
                .maxAge(limits.maxAge())
                .maxBytes(limits.maxBytes())
                .discardPolicy(DiscardPolicy.Old)
                .replicas(limits.replicas())
                .build();
        return JetStreamStores.createOrUpdate(jsm, config);
    }

    /**
     * Starts reading one kind of message through the named durable consumer.
     *
     * @param target      the handlers this consumer's messages go to, bound here once
     * @param exactlyOnce whether each message is recorded in the ledger before and after it is
     *                    handled, so that a crash or a redelivery never handles it twice (audits: mail)
     */
    public synchronized void consume(String durable, String filterSubject, boolean exactlyOnce, EventTarget target)
            throws IOException, JetStreamApiException {
        Reader reader = new Reader(durable, filterSubject, exactlyOnce && ledger != null, target);
        start(reader);
        readers.add(reader);
        LOG.info(() -> "reading " + filterSubject + " from stream " + STREAM + " as durable consumer " + durable
                + (reader.exactlyOnce() ? ", each message recorded in " + DeliveryLedger.BUCKET : ""));
    }

    private void start(Reader reader) throws IOException, JetStreamApiException {
        ConsumerConfiguration cc = ConsumerConfiguration.builder()
                .durable(reader.durable())
                .filterSubject(reader.filterSubject())
                .ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.All)
                .ackWait(ackWait)
                // No limit: kiam-ms itself gives up after maxAttempts failures and keeps a dead letter.
                // A limit here would make the broker drop, without a word, an audit that was
                // redelivered that often because kiam-ms or its broker kept dying under it.
                .maxDeliver(-1)
                .build();
        connection.jetStreamManagement(QUICK).addOrUpdateConsumer(STREAM, cc);
        ConsumerContext context = connection.jetStream(QUICK).getConsumerContext(STREAM, reader.durable());
        // Small batches: a message waits in kiam-ms's memory only while the one before it is handled.
        ConsumeOptions options = ConsumeOptions.builder().batchSize(16).expiresIn(PULL_EXPIRES_MILLIS).build();
        MessageConsumer old = consumers.put(reader.durable(), context.consume(options, msg -> onMessage(reader, msg)));
        if (old != null) {
            closeQuietly(old);
        }
    }

    /**
     * Reads every consumer afresh: after the broker restarted, its pulls are gone with it, and
     * the client would otherwise notice only after its heartbeat time-out. Retried until the
     * broker's JetStream answers again.
     */
    public void resume(String why) {
        timer.execute(() -> resumeNow(why, 0));
    }

    private void resumeNow(String why, int attempt) {
        if (stopped) {
            return;
        }
        try {
            synchronized (this) {
                for (Reader reader : readers) {
                    start(reader);
                }
            }
            unavailable = null;
            LOG.info(() -> "durable consumers resumed (" + why + ")");
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            if (attempt >= 20) { // about 5 s: longer than a broker restart takes
                unavailable = "JetStream is not answering: " + e.getMessage();
            }
            if (attempt == 0 || attempt % 20 == 0) {
                LOG.warning(() -> "cannot resume the durable consumers yet (" + e.getMessage() + "); trying again");
            }
            timer.schedule(() -> resumeNow(why, attempt + 1), 250, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Looks at every consumer once a second: one with messages waiting that takes none while
     * kiam-ms is idle is read afresh; {@link #state()} reports how long each has been stalled.
     */
    public void watch() {
        timer.scheduleWithFixedDelay(this::look, 1, 1, TimeUnit.SECONDS);
    }

    private void look() {
        if (stopped) {
            return;
        }
        List<Reader> now;
        synchronized (this) {
            now = List.copyOf(readers);
        }
        JetStreamManagement jsm;
        try {
            jsm = connection.jetStreamManagement(QUICK);
        } catch (IOException e) {
            return;
        }
        boolean stuck = false;
        boolean answered = true;
        for (Reader reader : now) {
            try {
                ConsumerInfo info = jsm.getConsumerInfo(STREAM, reader.durable());
                long delivered = info.getDelivered().getStreamSequence();
                long floor = info.getAckFloor().getStreamSequence();
                long t = System.nanoTime();
                Seen before = seen.get(reader.durable());
                boolean moved = before == null || before.deliveredSeq() != delivered || before.ackFloorSeq() != floor;
                long since = moved || info.getNumPending() == 0 ? t : before.sinceNanos();
                long stalled = TimeUnit.NANOSECONDS.toMillis(t - since);
                seen.put(reader.durable(), new Seen(delivered, floor, since, new ConsumerState(info.getName(),
                        info.getNumPending(), info.getNumAckPending(), info.getRedelivered(), stalled)));
                stuck |= stalled >= RESUME_AFTER.toMillis() && slots.availablePermits() == WORKERS;
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                LOG.log(Level.FINE, "consumer info", e);
                answered = false;
                if (lookFailingSince == 0) {
                    lookFailingSince = System.nanoTime();
                } else if (System.nanoTime() - lookFailingSince > UNANSWERED_AFTER.toNanos() && unavailable == null) {
                    unavailable = "JetStream is not answering (" + e.getMessage() + ")";
                    LOG.warning(() -> unavailable + "; audits wait in the stream until it does");
                }
            }
        }
        if (answered && lookFailingSince != 0) {
            lookFailingSince = 0;
            if (unavailable != null) {
                LOG.info("JetStream answers again");
            }
            unavailable = null;
        }
        if (stuck) {
            LOG.warning("a durable consumer has messages waiting but takes none; reading it afresh");
            resumeNow("messages waiting, none taken", 0);
        }
    }

    public long deadLettered() {
        return deadLettered.sum();
    }

    /** Messages kept as dead letters because an earlier attempt may have mailed them. */
    public long possiblyDelivered() {
        return possiblyDelivered.sum();
    }

    /** What the watcher saw last, without asking the broker: cheap enough for every health request. */
    public List<ConsumerState> state() {
        List<ConsumerState> out = new ArrayList<>();
        seen.values().forEach(s -> out.add(s.state()));
        return out;
    }

    /** Why JetStream cannot be used now, or null. */
    public String unavailable() {
        return unavailable;
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
        stopped = true;
        snapshot().forEach(MessageConsumer::stop);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (slots.availablePermits() < WORKERS && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return slots.availablePermits() == WORKERS;
    }

    @Override
    public void close() {
        stopped = true;
        timer.shutdownNow();
        workers.shutdownNow();
        snapshot().forEach(DurableEvents::closeQuietly);
    }

    private static void closeQuietly(MessageConsumer c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.log(Level.FINE, "consumer close", e);
        }
    }

    private synchronized List<MessageConsumer> snapshot() {
        return List.copyOf(consumers.values());
    }

    /**
     * Hands the message to a worker; the consumer's thread waits while all workers are busy, so
     * the messages the broker pushed stay few. Order does not matter: each audit stands alone.
     */
    private void onMessage(Reader reader, Message msg) {
        // Read here, once: its reqid then goes with it to the ledger, the acknowledgement, a dead
        // letter and every log line.
        EventPipeline.Received<?> received = pipeline.receive(reader.target().handlerFor(msg.getSubject()), msg.getSubject(),
                msg.getData(), receivedMicros(msg));
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // not acknowledged: the broker delivers it again
        }
        if (!reader.exactlyOnce()) {
            try {
                work(reader, msg, received); // log records: one at a time, in the order they were sent
            } finally {
                slots.release();
            }
            return;
        }
        try {
            workers.execute(() -> {
                try {
                    work(reader, msg, received);
                } finally {
                    slots.release();
                }
            });
        } catch (RuntimeException e) {
            slots.release();
            LOG.warning(() -> msg.getSubject() + " reqid=" + received.reqid() + " not taken (" + e
                    + "); the broker delivers it again");
        }
    }

    private void work(Reader reader, Message msg, EventPipeline.Received<?> received) {
        // While it is handled, tell the broker every third of ackWait that it is still in hand.
        long every = Math.max(ackWait.toMillis() / 3, 100);
        java.util.concurrent.ScheduledFuture<?> progress = timer.scheduleAtFixedRate(msg::inProgress, every, every, TimeUnit.MILLISECONDS);
        try {
            handle(reader, msg, received);
        } catch (RuntimeException e) {
            // Never let one message stop the consumer; the broker redelivers it after ackWait.
            LOG.log(Level.SEVERE, msg.getSubject() + " reqid=" + received.reqid() + " failed: " + e, e);
        } finally {
            progress.cancel(false);
        }
    }

    private void handle(Reader reader, Message msg, EventPipeline.Received<?> received) {
        if (!reader.exactlyOnce()) {
            settle(msg, received, pipeline.deliver(received, false), null);
            return;
        }
        String subject = msg.getSubject();
        String reqid = received.reqid();
        if (reqid == null || reqid.isBlank()) {
            settle(msg, received, pipeline.deliver(received, false), null); // refused by the pipeline, with the reason logged
            return;
        }
        String handKey = subject + '/' + reqid;
        if (!inHand.add(handKey)) {
            // The broker gave up waiting for this copy (a restart lost its in-progress notes); the
            // copy in hand acknowledges the message when it is done.
            LOG.info(() -> subject + " reqid=" + reqid + " is being handled now; the copy delivered again is left to it");
            return;
        }
        try {
            claimAndHandle(msg, received, subject, reqid);
        } finally {
            inHand.remove(handKey);
        }
    }

    private void claimAndHandle(Message msg, EventPipeline.Received<?> received, String subject, String reqid) {
        // In place while the ledger cannot be reached: every redelivery would count as an attempt,
        // and the message stays in progress meanwhile.
        DeliveryLedger.Claim claim = ledger.claim(subject, reqid, LEDGER_PATIENCE, () -> stopped);
        if (claim instanceof DeliveryLedger.Claim.Fresh fresh) {
            settle(msg, received, pipeline.deliver(received, true), fresh); // the ledger vouches: not handled before
        } else if (claim instanceof DeliveryLedger.Claim.AlreadyDelivered done) {
            LOG.info(() -> subject + " reqid=" + reqid + " was handled at " + done.since() + "; not handled again");
            msg.ack();
        } else if (claim instanceof DeliveryLedger.Claim.MaybeDelivered maybe && stillInProgress(maybe.since())) {
            // Another kiam-ms may be sending it right now (this copy was delivered twice: a spooled
            // audit the stream also had, a redelivery during a broker restart): ask again later.
            LOG.info(() -> subject + " reqid=" + reqid + " has been in hand since " + maybe.since() + "; looking again in "
                    + ackWait.toSeconds() + " s");
            msg.nakWithDelay(ackWait);
        } else if (claim instanceof DeliveryLedger.Claim.MaybeDelivered maybe) {
            String reason = "an earlier attempt began at " + maybe.since()
                    + " and never finished (kiam-ms or its broker stopped meanwhile): the mail may have gone out, so it is not sent again";
            possiblyDelivered.increment();
            bury(msg, reqid, msg.metaData().deliveredCount(), new EventPipeline.Outcome.Failed(reason, false));
        } else if (claim instanceof DeliveryLedger.Claim.Unavailable u) {
            LOG.warning(() -> subject + " reqid=" + reqid + " waits: its delivery record cannot be written now (" + u.reason() + ")");
            msg.nakWithDelay(Duration.ofSeconds(1));
        }
    }

    /** Whether a send that began at {@code since} may still be going on: younger than two ackWaits. */
    private boolean stillInProgress(String since) {
        try {
            return Duration.between(java.time.Instant.parse(since), java.time.Instant.now()).compareTo(ackWait.multipliedBy(2)) < 0;
        } catch (RuntimeException unreadable) {
            return false;
        }
    }

    /** When the stream stored the message: a stored audit is judged by how old it was when it arrived. */
    private static long receivedMicros(Message msg) {
        ZonedDateTime stored = msg.metaData().timestamp();
        return stored.toEpochSecond() * 1_000_000L + stored.getNano() / 1_000;
    }

    /** Acknowledges, retries or gives up on a message by its outcome, and completes its ledger record. */
    private void settle(Message msg, EventPipeline.Received<?> received, EventPipeline.Outcome outcome,
                        DeliveryLedger.Claim.Fresh claim) {
        long attempt = msg.metaData().deliveredCount();
        if (outcome instanceof EventPipeline.Outcome.Handled) {
            if (claim != null) {
                ledger.delivered(claim, LEDGER_PATIENCE);
            }
            msg.ack();
        } else if (outcome instanceof EventPipeline.Outcome.Refused) {
            release(claim);
            msg.term(); // already logged with its reqid; a retry cannot make it valid
        } else if (outcome instanceof EventPipeline.Outcome.Duplicate duplicate) {
            release(claim);
            if (!duplicate.running()) {
                msg.ack(); // handled before; the copy still running settles its own delivery
            }
        } else if (outcome instanceof EventPipeline.Outcome.Failed failed) {
            if (failed.retryable() && attempt < retry.maxAttempts()) {
                release(claim);
                Duration pause = retry.pauseAfter(attempt);
                LOG.warning(() -> msg.getSubject() + " reqid=" + received.reqid() + " attempt " + attempt
                        + " of " + retry.maxAttempts() + " failed; retrying in " + pause.toSeconds() + " s");
                msg.nakWithDelay(pause);
            } else {
                if (failed.retryable()) {
                    release(claim); // nothing went out: a replay may send it
                }
                // An ambiguous failure keeps its record "sending": only a person's replay clears it.
                bury(msg, received.reqid(), attempt, failed);
            }
        }
    }

    private void release(DeliveryLedger.Claim.Fresh claim) {
        if (claim != null) {
            ledger.release(claim, LEDGER_PATIENCE);
        }
    }

    private void bury(Message msg, String reqid, long attempt, EventPipeline.Outcome.Failed failed) {
        try {
            DeadLetters.Letter letter = deadLetters.put(msg.getSubject(), reqid, attempt, failed.reason(),
                    !failed.retryable(), msg.getData());
            deadLettered.increment();
            LOG.severe(() -> msg.getSubject() + " reqid=" + reqid + " given up after " + attempt + " attempt(s): " + failed.reason()
                    + "; kept as dead letter " + letter.id() + " (kiam-ms dead-letters list)");
            msg.term();
        } catch (IOException e) {
            // Without a dead letter the message must stay in the stream: let the broker redeliver it.
            LOG.severe(() -> msg.getSubject() + " reqid=" + reqid + " cannot be kept as a dead letter (" + e.getMessage()
                    + "); leaving it to the broker to deliver again");
            msg.nakWithDelay(retry.maxPause());
        }
    }
}
