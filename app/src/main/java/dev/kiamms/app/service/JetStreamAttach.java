package dev.kiamms.app.service;

import dev.kiamms.app.config.Settings;
import dev.kiamms.bus.AttemptStream;
import dev.kiamms.bus.DeadLetters;
import dev.kiamms.bus.DeliveryLedger;
import dev.kiamms.bus.DurableEvents;
import dev.kiamms.mail.delivery.AttemptLogSlot;
import dev.kiamms.pipeline.EventPipeline;
import dev.kiamms.pipeline.EventTarget;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The appliance's JetStream side: makes sure of the audit stream, opens the delivery records,
 * starts the durable consumers, and watches the store (its extent against the last start's, the
 * free disk space under it). What it found is read by the health without a lock.
 */
final class JetStreamAttach {

    private static final Logger LOG = Logger.getLogger("kiamms.appliance");
    /**
     * How long the broker waits before it delivers an unacknowledged audit again. An audit being
     * mailed is reported in progress every third of this, however slow its MTAs; so this bounds how
     * late an audit held by a kiam-ms that crashed is mailed after the next start.
     */
    private static final Duration AUDIT_ACK_WAIT = Duration.ofSeconds(15);
    /** Below this much free space under the broker's store, health says so before the broker refuses audits. */
    private static final long LOW_DISK_BYTES = 32L * 1024 * 1024;
    /** JetStream's API error for a stream that does not exist (as opposed to one it cannot reach now). */
    private static final int STREAM_NOT_FOUND = 10059;

    /** One durable consumer to start: its name, filter subject, whether through the ledger, and where its messages go. */
    record Consumer(String name, String filterSubject, boolean exactlyOnce, EventTarget target) {
    }

    private final InstancePaths paths;
    private final Settings settings;
    private final Path logDir;
    private volatile DurableEvents durable;
    /** The delivery records, once JetStream is there; read by the spool. */
    private volatile DeliveryLedger ledger;
    /** Audits the store lost since kiam-ms last saw it (a damaged or truncated store), or null. */
    private volatile String storeLoss;
    /** Too little free space under the broker's store, or null. */
    private volatile String diskProblem;
    /** Where mail delivery records its attempts: the broker's attempt stream once JetStream is there. */
    private final AttemptLogSlot attemptLog = new AttemptLogSlot();
    /** Per-recipient send limits, shared through JetStream once it is attached; refuses until then. */
    private final SendLimits sendLimits;

    JetStreamAttach(InstancePaths paths, Settings settings, Path logDir) {
        this.paths = paths;
        this.settings = settings;
        this.logDir = logDir;
        this.sendLimits = new SendLimits(settings.service().limits());
    }

    DurableEvents durable() {
        return durable;
    }

    DeliveryLedger ledger() {
        return ledger;
    }

    AttemptLogSlot attemptLog() {
        return attemptLog;
    }

    SendLimits sendLimits() {
        return sendLimits;
    }

    String storeLoss() {
        return storeLoss;
    }

    String diskProblem() {
        return diskProblem;
    }

    private interface JetStreamCall<T> {
        T call() throws IOException, JetStreamApiException;
    }

    /**
     * Makes sure of the stream, opens the delivery records and starts the durable consumers.
     *
     * @return false when the broker has no JetStream at all (an external one without it)
     * @throws IOException or JetStreamApiException when JetStream did not answer within {@code patience}
     */
    boolean attach(Connection connection, EventPipeline events, List<Consumer> consumers, Duration patience)
            throws IOException, InterruptedException, JetStreamApiException {
        Settings.JetStreamSettings js = settings.broker().jetstream();
        Duration keep = Duration.ofHours(js.maxAgeHours());
        DurableEvents.StreamLimits limits = new DurableEvents.StreamLimits(keep, js.maxBytesMb() * 1024L * 1024L,
                settings.broker().replicas());
        try {
            // Routed notices are kept like audits; their subjects join the stream's.
            List<String> notices = consumers.stream().map(Consumer::filterSubject)
                    .filter(f -> f.startsWith(dev.kiamms.protocol.Subjects.NOTICE_PREFIX)).toList();
            patiently("the audit stream", patience, () -> DurableEvents.ensureStream(connection, limits, notices));
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() == 503 && !settings.broker().embedded() && e.getApiErrorCode() == 10076) {
                return false; // "JetStream not enabled for account"
            }
            throw e;
        }
        checkStoreAgainstMark(connection);
        Settings.RetrySettings r = settings.service().audits().retry();
        // Kept as long as the stream keeps the audits, on as many servers.
        String holder = "kiam-ms pid " + ProcessHandle.current().pid() + " on " + BrokerSetup.hostName();
        DeliveryLedger opened = patiently("the delivery records", patience, () -> DeliveryLedger.open(connection, keep,
                settings.broker().replicas(), holder));
        openAttemptLog(connection);
        patiently("the send limits", patience, () -> sendLimits.open(connection, settings.broker().replicas()));
        DurableEvents d = new DurableEvents(connection, events, new DeadLetters(paths.deadLetterDir()),
                new DurableEvents.RetryPolicy(r.maxAttempts(), Duration.ofSeconds(r.firstPauseSeconds()),
                        Duration.ofSeconds(r.maxPauseSeconds())), AUDIT_ACK_WAIT, opened);
        try {
            for (Consumer c : consumers) {
                patiently("the consumer " + c.name(), patience, () -> {
                    d.consume(c.name(), c.filterSubject(), c.exactlyOnce(), c.target());
                    return null;
                });
            }
        } catch (IOException | JetStreamApiException | InterruptedException e) {
            d.close();
            throw e;
        }
        d.watch();
        ledger = opened;
        durable = d;
        return true;
    }

    /** The broker's log of delivery attempts, for 'kiam-ms deliveries'; without it mails still go out, unrecorded. */
    private void openAttemptLog(Connection connection) {
        Settings.AttemptLogSettings a = settings.mail().attempts();
        try {
            attemptLog.set(AttemptStream.open(connection, new AttemptStream.Limits(Duration.ofDays(a.keepDays()),
                    a.maxMb() * 1024L * 1024L, settings.broker().replicas())));
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            LOG.warning("delivery attempts are not recorded (stream " + AttemptStream.STREAM + "): " + e.getMessage()
                    + "; mails still go out, 'kiam-ms deliveries' will not show them");
        }
    }

    /**
     * Sets up one JetStream thing, trying again for up to {@code patience}: a cluster's JetStream
     * answers only once enough nodes are up and have elected their leaders, which takes seconds.
     */
    private static <T> T patiently(String what, Duration patience, JetStreamCall<T> call)
            throws IOException, InterruptedException, JetStreamApiException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                return call.call();
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == 10076 || System.nanoTime() > deadline) {
                    throw e; // no JetStream for this account: waiting cannot help
                }
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("JetStream did not answer within " + patience.toSeconds() + " s while setting up " + what
                            + ": " + e.getMessage(), e);
                }
            }
            Thread.sleep(250);
        }
    }

    /**
     * Compares the stream with what kiam-ms last saw of it: a store that came back shorter lost
     * audits, which is said in the log, in status and in the health until kiam-ms is restarted.
     */
    private void checkStoreAgainstMark(Connection connection) {
        Optional<StreamMark> last = StreamMark.read(paths.streamMarkFile());
        if (last.isEmpty()) {
            return;
        }
        StreamMark now;
        try {
            now = currentMark(connection).orElse(null);
        } catch (IOException | JetStreamApiException e) {
            LOG.warning("cannot compare the audit stream with its last known extent: " + e.getMessage());
            return;
        }
        last.get().lossSince(now, DurableEvents.STREAM).ifPresent(loss -> {
            storeLoss = loss + "; audits not yet mailed then are lost. Check the disk and " + logDir.resolve("nats-server.log")
                    + "; this warning stays until kiam-ms is restarted";
            LOG.severe(storeLoss);
        });
    }

    /** The stream's extent now; empty when the broker says there is no such stream. */
    private static Optional<StreamMark> currentMark(Connection connection) throws IOException, JetStreamApiException {
        try {
            return Optional.of(StreamMark.of(connection.jetStreamManagement().getStreamInfo(DurableEvents.STREAM).getStreamState()));
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Every few seconds: the stream's extent for the next start, and the free space under the broker's store. */
    void watchStore(Connection connection) {
        if (durable == null) {
            return;
        }
        try {
            Optional<StreamMark> mark = currentMark(connection);
            if (mark.isPresent()) {
                mark.get().write(paths.streamMarkFile());
            }
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            LOG.log(Level.FINE, "stream mark", e);
        }
        if (settings.broker().embedded()) {
            String low = null;
            try {
                long free = Files.getFileStore(paths.jetStreamDir()).getUsableSpace();
                if (free < LOW_DISK_BYTES) {
                    low = "the disk holding the broker's store (" + paths.jetStreamDir() + ") has " + free / (1024 * 1024)
                            + " MB free: the broker refuses audits when it is full; free space there";
                }
            } catch (IOException e) {
                low = "cannot read the free space of " + paths.jetStreamDir() + ": " + e.getMessage();
            }
            if (low != null && !low.equals(diskProblem)) {
                LOG.severe(low);
            }
            diskProblem = low;
        }
    }

    /** Stops taking audits and lets those in progress finish. */
    void drain(Duration timeout) {
        DurableEvents d = durable;
        if (d != null && !d.drain(timeout)) {
            LOG.warning("an audit still in progress after " + timeout.toSeconds()
                    + " s was left unacknowledged; the broker delivers it again at the next start");
        }
    }

    /** Stops the consumers, after {@link #drain} and the bus's own drain. */
    void close() {
        DurableEvents d = durable;
        if (d != null) {
            d.close();
        }
    }
}
