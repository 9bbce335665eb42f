package dev.kiamms.app.service;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.Version;
import dev.kiamms.app.broker.BrokerConfigWriter;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.broker.BrokerMonitor;
import dev.kiamms.app.broker.BrokerSupervisor;
import dev.kiamms.app.broker.BrokerTls;
import dev.kiamms.app.broker.ManagedBroker;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.Settings;
import dev.kiamms.files.OwnerOnlyFiles;
import dev.kiamms.app.health.HealthServer;
import dev.kiamms.app.health.HealthSnapshot;
import dev.kiamms.app.health.HealthSource;
import dev.kiamms.app.users.AppUsers;
import dev.kiamms.app.users.BrokerUsers;
import dev.kiamms.bus.AuditSpool;
import dev.kiamms.bus.DeadLetters;
import dev.kiamms.bus.DeliveryLedger;
import dev.kiamms.bus.DurableEvents;
import dev.kiamms.bus.MessageBus;
import dev.kiamms.bus.QuietErrorListener;
import dev.kiamms.iplocation.GeoIpDatabase;
import dev.kiamms.iplocation.IpLocationHandler;
import dev.kiamms.mail.AccountAddEmailHandler;
import dev.kiamms.mail.MailComposer;
import dev.kiamms.mail.SendVerifyEmailHandler;
import dev.kiamms.mail.delivery.Attempt;
import dev.kiamms.mail.delivery.DeliveryStats;
import dev.kiamms.mail.delivery.MailDelivery;
import dev.kiamms.mail.template.MailTemplates;
import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.RecentRequests;
import dev.kiamms.sink.JsonLinesFile;
import dev.kiamms.sink.LogRecorder;
import dev.kiamms.sink.NoticeRecorder;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.pipeline.ActionHandler;
import dev.kiamms.pipeline.ActionPipeline;
import dev.kiamms.pipeline.EventPipeline;
import dev.kiamms.pipeline.HandlerStats;
import dev.kiamms.pipeline.Intake;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.EnvelopeValidator;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.ConnectionListener;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One running kiam-ms: the managed nats-server and the subscribers that answer KrossIAM.
 * {@link #start()} brings everything up in order and fails with one line when a part cannot
 * start; {@link #stop()} drains the subscribers (every accepted action still gets its reply)
 * before it stops the broker.
 */
public final class Appliance {

    private static final Logger LOG = Logger.getLogger("kiamms.appliance");
    private static final Duration BROKER_START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration BROKER_STOP_GRACE = Duration.ofSeconds(10);
    /**
     * How long the broker waits before it delivers an unacknowledged audit again. An audit being
     * mailed is reported in progress every third of this, however slow its MTAs; so this bounds how
     * late an audit held by a kiam-ms that crashed is mailed after the next start.
     */
    private static final Duration AUDIT_ACK_WAIT = Duration.ofSeconds(15);
    /** Below this much free space under the broker's store, health says so before the broker refuses audits. */
    private static final long LOW_DISK_BYTES = 32L * 1024 * 1024;
    /** How long a start waits for JetStream before it answers actions anyway and attaches the consumers later. */
    private static final Duration FIRST_ATTACH_PATIENCE = Duration.ofSeconds(5);
    /** How long an audit may wait for the stream's consumer before the spool puts it into the stream itself. */
    private static final Duration SPOOL_GRACE = Duration.ofSeconds(10);
    /** JetStream's API error for a stream that does not exist (as opposed to one it cannot reach now). */
    private static final int STREAM_NOT_FOUND = 10059;

    /** What {@code start} prints when the appliance is ready. */
    public record Ready(String brokerUrlMasked, String natsServerVersion, List<String> subjects, Duration startup) {
    }

    private final InstancePaths paths;
    /** The configuration the appliance started with: broker, subscriptions and files follow it until a restart. */
    private final LoadedConfig config;
    private final Settings settings;
    private final HandlerStats stats = new HandlerStats();
    /** What the handlers read per message; replaced whole by {@link #reload}. */
    private final AtomicReference<Resources> resources = new AtomicReference<>();
    private final CompletableFuture<Integer> terminated = new CompletableFuture<>();

    private InstanceLock lock;
    private volatile DurableEvents durable;
    /** The delivery records, once JetStream is there; read by the spool. */
    private volatile DeliveryLedger ledger;
    private AuditSpool spool;
    /** Why the durable consumers are not attached yet (a cluster node alone), or null. */
    private volatile String jetStreamWaiting;
    private final List<JsonLinesFile> sinks = new ArrayList<>();
    private final java.util.concurrent.ScheduledExecutorService statsWriter = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "kiam-ms-stats");
                t.setDaemon(true);
                return t;
            });
    private final IpLocationHandler ipLocation = new IpLocationHandler(() -> resources.get().geoip());
    private final SendVerifyEmailHandler sendVerifyEmail =
            new SendVerifyEmailHandler(() -> resources.get().composer(), () -> resources.get().delivery());
    private BrokerSupervisor broker;
    /** With the embedded broker: its users follow the app users on file. */
    private BrokerUsers brokerUsers;
    private RunState state;
    private Connection connection;
    private MessageBus bus;
    private boolean stopped;
    private HealthServer health;
    /** What the subscribers answer or consume now: read by the health endpoint without taking any lock. */
    private volatile List<String> answering = List.of();
    /** Audits the store lost since kiam-ms last saw it (a damaged or truncated store), or null. */
    private volatile String storeLoss;
    /** Too little free space under the broker's store, or null. */
    private volatile String diskProblem;
    private final HealthSource healthSource = new ApplianceHealth();

    public Appliance(InstancePaths paths, LoadedConfig config) {
        this.paths = paths;
        this.config = config;
        this.settings = config.settings();
    }

    /** Completes with the process exit code once the appliance has stopped for good. */
    public CompletableFuture<Integer> terminated() {
        return terminated;
    }

    public HandlerStats stats() {
        return stats;
    }

    public synchronized Ready start() {
        long t0 = System.nanoTime();
        Settings.BrokerSettings b = settings.broker();
        if (!b.embedded() && settings.brokers().isEmpty()) {
            throw new KiamMsException(KiamMsException.CONFIG,
                    "broker.embedded: false needs the external NATS servers in brokers: [nats://user:password@host:4222, ...]");
        }
        warnAboutIgnoredKeys();
        try {
            OwnerOnlyFiles.directory(paths.dataDir());
            lock = InstanceLock.tryAcquire(paths.lockFile()).orElseThrow(() -> new KiamMsException(KiamMsException.FAILURE,
                    "kiam-ms is already running for " + paths.dataDir()
                            + RunState.read(paths.stateFile()).map(s -> " (pid " + s.pid() + ")").orElse("")
                            + "; stop it first or use another --data directory"));
            ManagedBroker.stopStale(paths.natsPidFile());
            resources.set(Resources.load(paths, config));
            Path logDir = OwnerOnlyFiles.directory(logDir());
            if (!b.embedded()) {
                return startOnExternalBroker(t0);
            }
            BrokerCredentials credentials = BrokerCredentials.loadOrCreate(paths.credentialsFile());
            BrokerConfigWriter.BrokerLayout layout = new BrokerConfigWriter.BrokerLayout(serverName(), b.host(), b.port(),
                    b.monitorPort(), paths.natsPidFile(), logDir.resolve("nats-server.log"),
                    OwnerOnlyFiles.directory(paths.jetStreamDir()), b.jetstream().syncInterval(), settings.debug(), cluster(), tls());
            brokerUsers = new BrokerUsers(paths.natsConfigFile(), layout, credentials, new AppUsers(paths.appUsersFile()),
                    settings.service().queueGroup());
            brokerUsers.writeConfig();

            Settings.RestartSettings r = b.restarts();
            broker = new BrokerSupervisor(new ManagedBroker(paths.natsServerBinary(), paths.natsConfigFile(), layout),
                    new BrokerSupervisor.RestartPolicy(r.maxFailures(), Duration.ofSeconds(r.windowSeconds())),
                    BROKER_START_TIMEOUT, this::onBrokerRestarted, this::onBrokerGaveUp);
            broker.start();

            connection = connectSubscribers(credentials);
            List<String> subjects = subscribe();
            startStatsWriter();
            answering = List.copyOf(subjects);
            startHealth();

            String version = natsServerVersion(b.monitorPort());
            state = new RunState(ProcessHandle.current().pid(), Version.current(), Instant.now().toString(),
                    brokerUrl(null), b.monitorPort(), broker.broker().process().map(ProcessHandle::pid).orElse(null),
                    0, config.describeSource(), subjects);
            state.write(paths.stateFile());
            Duration startup = Duration.ofNanos(System.nanoTime() - t0);
            LOG.info(() -> "ready in " + startup.toMillis() + " ms; answering " + String.join(", ", subjects));
            return new Ready(brokerUrl(BrokerAddress.MASK), version, subjects, startup);
        } catch (KiamMsException e) {
            stop();
            throw e;
        } catch (IOException e) {
            stop();
            throw new KiamMsException(KiamMsException.FAILURE, "cannot start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new KiamMsException(KiamMsException.FAILURE, "interrupted while starting");
        }
    }

    /** Only the subscribers, on a NATS server or cluster someone else runs (the brokers URLs carry the credentials). */
    private Ready startOnExternalBroker(long t0) throws IOException, InterruptedException {
        connection = connectSubscribers(null);
        List<String> subjects = subscribe();
        startStatsWriter();
        answering = List.copyOf(subjects);
        startHealth();
        String url = BrokerAddress.mask(connection.getConnectedUrl());
        state = new RunState(ProcessHandle.current().pid(), Version.current(), Instant.now().toString(), url, 0, null, 0,
                config.describeSource(), subjects);
        state.write(paths.stateFile());
        Duration startup = Duration.ofNanos(System.nanoTime() - t0);
        String version = "external nats-server " + connection.getServerInfo().getVersion();
        LOG.info(() -> "ready in " + startup.toMillis() + " ms on external broker " + url + "; answering " + String.join(", ", subjects));
        return new Ready(url, version, subjects, startup);
    }

    /**
     * Stops taking messages, lets in-flight actions reply, stops nats-server and removes the run
     * state. Safe to call more than once and from a shutdown hook.
     */
    public void stop() {
        stopWith(0);
    }

    private synchronized void stopWith(int exitCode) {
        if (stopped) {
            return;
        }
        stopped = true;
        if (health != null) {
            health.close();
        }
        statsWriter.shutdownNow();
        if (spool != null) {
            spool.close();
        }
        if (durable != null && !durable.drain(DRAIN_TIMEOUT)) {
            LOG.warning("an audit still in progress after " + DRAIN_TIMEOUT.toSeconds() + " s was left unacknowledged; the broker delivers it again at the next start");
        }
        if (bus != null && !bus.drain(DRAIN_TIMEOUT)) {
            LOG.warning("messages still in progress after " + DRAIN_TIMEOUT.toSeconds() + " s were abandoned; their requesters get no reply");
        }
        if (durable != null) {
            durable.close();
        }
        for (JsonLinesFile sink : sinks) {
            try {
                sink.close();
            } catch (IOException e) {
                LOG.warning("cannot close " + sink.path() + ": " + e.getMessage());
            }
        }
        if (connection != null) {
            try {
                connection.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (broker != null) {
            broker.stop(BROKER_STOP_GRACE);
        }
        Resources last = resources.getAndSet(null);
        if (last != null) {
            last.close();
        }
        if (lock != null) {
            try {
                Files.deleteIfExists(paths.stateFile());
            } catch (IOException e) {
                LOG.warning("cannot remove " + paths.stateFile() + ": " + e.getMessage());
            }
            lock.close();
            LOG.info("stopped");
        }
        terminated.complete(exitCode);
    }

    private synchronized void onBrokerRestarted(long pid) {
        if (stopped || state == null) {
            return;
        }
        state = state.withBroker(pid, broker.restarts());
        try {
            state.write(paths.stateFile());
        } catch (IOException e) {
            LOG.warning("cannot update " + paths.stateFile() + ": " + e.getMessage());
        }
    }

    private void onBrokerGaveUp() {
        LOG.severe("stopping kiam-ms: its broker cannot stay up");
        stopWith(KiamMsException.FAILURE);
    }

    /** Keys of the reference server's mss.yaml that load but mean nothing here ({@code brokers} only with an embedded broker). */
    private void warnAboutIgnoredKeys() {
        if (settings.broker().embedded() && !settings.brokers().isEmpty()) {
            LOG.warning("brokers " + settings.brokers().size() + " URL(s) ignored: kiam-ms runs its own broker (broker.*)");
        }
        Settings.LogSettings log = settings.log();
        if (log.airbrakePid() != null || log.airbrakeKey() != null || log.airbrake() != null) {
            LOG.warning("log.airbrake* ignored: kiam-ms does not report to Airbrake");
        }
    }

    private Connection connectSubscribers(BrokerCredentials credentials) throws IOException, InterruptedException {
        Options.Builder builder = new Options.Builder();
        if (settings.broker().embedded()) {
            builder.server(brokerUrl(null)).userInfo(BrokerCredentials.MSS, credentials.password(BrokerCredentials.MSS));
            Settings.TlsSettings tls = settings.broker().tls();
            if (tls != null) {
                builder.sslContext(BrokerTls.trusting(config.resolve(tls.trustFile(), paths.confDir())));
            }
        } else {
            builder.servers(settings.brokers().toArray(String[]::new));
        }
        Options options = builder
                .connectionName("kiam-ms")
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(250))
                .connectionTimeout(Duration.ofSeconds(5))
                .errorListener(new QuietErrorListener("kiamms.bus"))
                .connectionListener(new ConnectionLogger(this::onReconnected))
                .build();
        return Nats.connect(options);
    }

    private List<String> subscribe() throws IOException, InterruptedException {
        EnvelopeCodec codec = new EnvelopeCodec();
        Intake intake = new Intake(codec, new EnvelopeValidator(), MicroClock.system());
        List<ActionHandler<?>> actions = new ArrayList<>();
        actions.addAll(enabledActions(settings));
        List<EventHandler<?>> eventHandlers = new ArrayList<>();
        List<String> eventPatterns = new ArrayList<>();
        if (settings.service().audits().subscribe()) {
            eventHandlers.add(new AccountAddEmailHandler(() -> resources.get().composer(), () -> resources.get().delivery()));
        }
        Settings.LogSettings log = settings.log();
        if (settings.service().events().subscribe()) {
            JsonLinesFile notices = openSink(new JsonLinesFile(logDir(), "notices", log.maxFileBytes(), log.keep()));
            eventHandlers.add(new NoticeRecorder(NoticeRecorder.ALL, notices, MicroClock.system()));
            eventPatterns.add(NoticeRecorder.ALL);
        }
        boolean recordLogs = settings.service().logs().subscribe();
        if (recordLogs) {
            eventHandlers.add(new LogRecorder(openSink(new JsonLinesFile(logDir(), "krossiam-log", log.maxFileBytes(), log.keep()))));
        }
        // One window for actions and one for audits, so that neither can push the other's reqids out.
        EventPipeline events = new EventPipeline(intake, stats, eventHandlers, recentRequests());
        bus = new MessageBus(connection, settings.service().queueGroup(), new ActionPipeline(intake, stats, recentRequests()),
                events, codec, MessageBus.Workers.DEFAULT.withDispatchers(settings.service().dispatchersPerAction()));
        List<String> subjects = new ArrayList<>(bus.subscribe(actions, eventPatterns));
        boolean audits = settings.service().audits().subscribe();
        try {
            if (!attachJetStream(events, codec, FIRST_ATTACH_PATIENCE)) {
                // An external broker without JetStream: audits and logs as plain subscriptions, at most once.
                LOG.warning("the broker has no JetStream: audits and log records are handled as they arrive and are lost while kiam-ms is down");
                if (audits) {
                    subjects.addAll(bus.subscribeEvents(List.of(Subjects.AUDIT_PREFIX + ">")));
                }
                if (recordLogs) {
                    subjects.addAll(bus.subscribeEvents(List.of(Subjects.LOG)));
                }
                return subjects;
            }
        } catch (IOException | JetStreamApiException e) {
            // A cluster node whose peers are not up yet, or JetStream still electing its leaders:
            // answer actions now, keep audits in the spool, and attach the consumers once it can.
            jetStreamWaiting = "JetStream is not available yet (" + e.getMessage() + "); audits are kept in "
                    + paths.spoolDir() + " until it is";
            LOG.warning(jetStreamWaiting);
            statsWriter.schedule(() -> attachLater(events, codec), 2, java.util.concurrent.TimeUnit.SECONDS);
        }
        if (audits) {
            spool = new AuditSpool(connection, paths.spoolDir(), codec, () -> ledger, SPOOL_GRACE);
            spool.start();
        }
        subjects.addAll(durableSubjects());
        return subjects;
    }

    /** What the durable consumers read, for status. */
    private List<String> durableSubjects() {
        String how = durable != null ? " (stream " + DurableEvents.STREAM + ")" : " (spooled until JetStream is available)";
        List<String> out = new ArrayList<>();
        if (settings.service().audits().subscribe()) {
            out.add(Subjects.AUDIT_PREFIX + ">" + how);
        }
        if (settings.service().logs().subscribe() && durable != null) {
            out.add(Subjects.LOG + how);
        }
        return out;
    }

    /** Tries again every few seconds until JetStream answers, then reads the stream as a start would have. */
    private void attachLater(EventPipeline events, EnvelopeCodec codec) {
        synchronized (this) {
            if (stopped || durable != null) {
                return;
            }
            try {
                attachJetStream(events, codec, Duration.ofSeconds(1));
                jetStreamWaiting = null;
                List<String> now = new ArrayList<>(answering.stream().filter(x -> !x.contains("(spooled")).toList());
                now.addAll(durableSubjects());
                answering = List.copyOf(now);
                LOG.info("JetStream is available: reading the audit stream now");
                return;
            } catch (IOException | JetStreamApiException e) {
                LOG.fine(() -> "JetStream still not available: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        statsWriter.schedule(() -> attachLater(events, codec), 2, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * Makes sure of the stream, opens the delivery records and starts the durable consumers.
     *
     * @return false when the broker has no JetStream at all (an external one without it)
     * @throws IOException or JetStreamApiException when JetStream did not answer within {@code patience}
     */
    private boolean attachJetStream(EventPipeline events, EnvelopeCodec codec, Duration patience)
            throws IOException, InterruptedException, JetStreamApiException {
        Settings.JetStreamSettings js = settings.broker().jetstream();
        Duration keep = Duration.ofHours(js.maxAgeHours());
        DurableEvents.StreamLimits limits = new DurableEvents.StreamLimits(keep, js.maxBytesMb() * 1024L * 1024L,
                settings.broker().replicas());
        try {
            patiently("the audit stream", patience, () -> DurableEvents.ensureStream(connection, limits));
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() == 503 && !settings.broker().embedded() && e.getApiErrorCode() == 10076) {
                return false; // "JetStream not enabled for account"
            }
            throw e;
        }
        checkStoreAgainstMark();
        Settings.RetrySettings r = settings.service().audits().retry();
        // Kept as long as the stream keeps the audits, on as many servers.
        String holder = "kiam-ms pid " + ProcessHandle.current().pid() + " on " + hostName();
        DeliveryLedger opened = patiently("the delivery records", patience, () -> DeliveryLedger.open(connection, keep,
                settings.broker().replicas(), holder));
        DurableEvents d = new DurableEvents(connection, events, codec, new DeadLetters(paths.deadLetterDir()),
                new DurableEvents.RetryPolicy(r.maxAttempts(), Duration.ofSeconds(r.firstPauseSeconds()),
                        Duration.ofSeconds(r.maxPauseSeconds())), AUDIT_ACK_WAIT, opened);
        try {
            if (settings.service().audits().subscribe()) {
                patiently("the audit consumer", patience, () -> {
                    d.consume(DurableEvents.AUDIT_CONSUMER, Subjects.AUDIT_PREFIX + ">", true);
                    return null;
                });
            }
            if (settings.service().logs().subscribe()) {
                // A log record written twice after a crash does no harm: no ledger round trips for them.
                patiently("the log consumer", patience, () -> {
                    d.consume(DurableEvents.LOG_CONSUMER, Subjects.LOG, false);
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

    /**
     * Compares the stream with what kiam-ms last saw of it: a store that came back shorter lost
     * audits, which is said in the log, in status and in the health until kiam-ms is restarted.
     */
    private void checkStoreAgainstMark() {
        Optional<StreamMark> last = StreamMark.read(paths.streamMarkFile());
        if (last.isEmpty()) {
            return;
        }
        StreamMark now;
        try {
            now = currentMark().orElse(null);
        } catch (IOException | JetStreamApiException e) {
            LOG.warning("cannot compare the audit stream with its last known extent: " + e.getMessage());
            return;
        }
        last.get().lossSince(now, DurableEvents.STREAM).ifPresent(loss -> {
            storeLoss = loss + "; audits not yet mailed then are lost. Check the disk and " + logDir().resolve("nats-server.log")
                    + "; this warning stays until kiam-ms is restarted";
            LOG.severe(storeLoss);
        });
    }

    /** The stream's extent now; empty when the broker says there is no such stream. */
    private Optional<StreamMark> currentMark() throws IOException, JetStreamApiException {
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
    private void watchStore() {
        if (durable == null) {
            return;
        }
        try {
            Optional<StreamMark> mark = currentMark();
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

    /** The action handlers the settings switch on; each reads the resources in force per message. */
    private List<ActionHandler<?>> enabledActions(Settings s) {
        List<ActionHandler<?>> actions = new ArrayList<>();
        Settings.ActionsSettings a = s.service().actions();
        if (a.ipLocation().subscribe()) {
            actions.add(ipLocation);
        } else {
            LOG.info("iplocation is switched off (service.actions.ip_location.subscribe: false); another application may answer it");
        }
        if (a.sendVerifyEmail().subscribe()) {
            actions.add(sendVerifyEmail);
        } else {
            LOG.info("sendverifyemail is switched off (service.actions.send_verify_email.subscribe: false); another application may answer it");
        }
        return actions;
    }

    /**
     * Reads the configuration again and swaps in what can change while running: the GeoIP
     * database, the mail templates and MTAs, and which actions are answered. A configuration that
     * does not load, or whose GeoIP database or templates are unusable, is refused and the running
     * one kept. Changes to the broker, the audits, notices or logs take a restart.
     *
     * @return one line saying what happened
     */
    public synchronized ReloadResult reload() {
        if (stopped || bus == null) {
            return new ReloadResult(false, "kiam-ms is not running");
        }
        // The app users live in their own file: they change even when the configuration is refused.
        BrokerUsers.Change users = broker == null ? new BrokerUsers.Change(BrokerUsers.Outcome.UNCHANGED, "")
                : brokerUsers.reload(broker.broker());
        ReloadResult config = reloadConfiguration();
        return new ReloadResult(config.applied() && users.outcome() != BrokerUsers.Outcome.FAILED,
                users.message().isEmpty() ? config.message() : config.message() + "; " + users.message(), users.outcome());
    }

    private ReloadResult reloadConfiguration() {
        LoadedConfig next;
        Resources loaded;
        try {
            next = new dev.kiamms.app.config.ConfigLoader().load(paths.configFile(), paths.configGiven());
            loaded = Resources.load(paths, next);
        } catch (KiamMsException | IOException e) {
            LOG.severe("reload refused, the running configuration stays: " + e.getMessage());
            return new ReloadResult(false, "refused: " + e.getMessage());
        }
        Resources previous = resources.getAndSet(loaded);
        // Lookups and mails in progress may still hold the old database and MTA pool: close them later.
        statsWriter.schedule(previous::close, 30, java.util.concurrent.TimeUnit.SECONDS);
        List<String> subjects = bus.updateActions(enabledActions(next.settings()));
        List<String> now = new ArrayList<>(subjects);
        answering.stream().filter(x -> x.endsWith("(stream " + DurableEvents.STREAM + ")")).forEach(now::add);
        answering = List.copyOf(now);
        Settings s = next.settings();
        List<String> needRestart = new ArrayList<>();
        if (!s.broker().equals(settings.broker())) {
            needRestart.add("broker");
        }
        if (!s.service().audits().equals(settings.service().audits()) || !s.service().events().equals(settings.service().events())
                || !s.service().logs().equals(settings.service().logs()) || !s.service().dedup().equals(settings.service().dedup())
                || !s.service().queueGroup().equals(settings.service().queueGroup()) || !s.log().equals(settings.log())) {
            needRestart.add("service audits/events/logs/dedup/queue_group or log");
        }
        String message = "reloaded " + next.describeSource() + "; answering " + String.join(", ", subjects)
                + (needRestart.isEmpty() ? "" : "; changes to " + String.join(", ", needRestart) + " take effect at the next start");
        LOG.info(message);
        return new ReloadResult(true, message);
    }

    /** What a reload did, for the log, {@code kiam-ms reload} and the run directory. */
    public record ReloadResult(boolean applied, String message, BrokerUsers.Outcome brokerUsers) {
        public ReloadResult(boolean applied, String message) {
            this(applied, message, BrokerUsers.Outcome.UNCHANGED);
        }
    }

    /** Reloads on SIGHUP, and leaves the outcome in {@code <data>/run/reload.json}. */
    public ReloadResult reloadAndRecord() {
        return reloadAndRecord(List.of()).result();
    }

    /** One reload as recorded: {@code json} is what {@code run/reload.json} now holds. */
    public record Recorded(ReloadResult result, byte[] json) {
    }

    /**
     * Reloads, and leaves the outcome in {@code <data>/run/reload.json}, naming the requests it
     * answers (from {@link ReloadRequestWatcher}; none for SIGHUP) so that each requester knows
     * the record is its own.
     */
    public Recorded reloadAndRecord(List<String> requests) {
        ReloadResult r = reload();
        java.util.Map<String, Object> record = new java.util.LinkedHashMap<>();
        record.put("at", Instant.now().toString());
        record.put("applied", r.applied());
        record.put("message", r.message());
        record.put("brokerUsers", r.brokerUsers().name().toLowerCase(java.util.Locale.ROOT));
        if (!requests.isEmpty()) {
            record.put("requests", requests);
        }
        byte[] json;
        try {
            json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(record);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e); // strings, booleans and a list: cannot happen
        }
        try {
            OwnerOnlyFiles.write(paths.reloadFile(), json);
        } catch (IOException e) {
            LOG.warning("cannot write " + paths.reloadFile() + ": " + e.getMessage());
        }
        return new Recorded(r, json);
    }

    private interface JetStreamCall<T> {
        T call() throws IOException, JetStreamApiException;
    }

    /**
     * Sets up one JetStream thing, trying again for up to {@code patience}: a cluster's JetStream
     * answers only once enough nodes are up and have elected their leaders, which takes seconds.
     */
    private <T> T patiently(String what, Duration patience, JetStreamCall<T> call)
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

    private JsonLinesFile openSink(JsonLinesFile file) {
        sinks.add(file);
        return file;
    }

    /** The health and metrics endpoint on 127.0.0.1:health.port, unless that is 0. */
    private void startHealth() throws IOException {
        health = HealthServer.startIfEnabled(settings.health().port(), healthSource).orElse(null);
        if (health != null) {
            LOG.info(() -> "health and metrics on http://" + health.hostAndPort() + "/healthz and /metrics");
        }
    }

    /** What /healthz and /metrics read: counters and fields set before the endpoint started, never the appliance's lock. */
    private final class ApplianceHealth implements HealthSource {
        @Override
        public boolean brokerConnected() {
            Connection c = connection;
            return c != null && c.getStatus() == Connection.Status.CONNECTED;
        }

        @Override
        public List<String> subscriptions() {
            return answering;
        }

        @Override
        public Map<String, HandlerStats.Counts> handlers() {
            return stats.snapshot();
        }

        @Override
        public Map<String, Map<Attempt.Outcome, Long>> mailAttempts() {
            return DeliveryStats.process().snapshot();
        }

        @Override
        public int brokerRestarts() {
            BrokerSupervisor b = broker;
            return b == null ? 0 : b.restarts();
        }

        @Override
        public long deadLetters() {
            DurableEvents d = durable;
            return d == null ? 0 : d.deadLettered();
        }

        @Override
        public List<DurableEvents.ConsumerState> consumers() {
            DurableEvents d = durable;
            return d == null ? List.of() : d.state();
        }

        @Override
        public int spoolWaiting() {
            AuditSpool s = spool;
            return s == null ? 0 : s.waiting();
        }

        @Override
        public long possiblyDelivered() {
            DurableEvents d = durable;
            return d == null ? 0 : d.possiblyDelivered();
        }

        @Override
        public List<String> degradations() {
            List<String> out = new ArrayList<>();
            String waiting = jetStreamWaiting;
            if (waiting != null) {
                out.add(waiting);
            }
            AuditSpool s = spool;
            if (s != null && s.waiting() > 0) {
                out.add("the spool holds " + s.waiting() + " audit(s) the stream has not taken"
                        + (s.lastProblem() == null ? "" : " (" + s.lastProblem() + ")") + "; they are moved into it once it does");
            }
            DurableEvents d = durable;
            if (d == null) {
                return out;
            }
            String unavailable = d.unavailable();
            if (unavailable != null) {
                out.add(unavailable + "; audits wait in the stream until it answers");
            }
            if (storeLoss != null) {
                out.add(storeLoss);
            }
            if (diskProblem != null) {
                out.add(diskProblem);
            }
            long stallMillis = settings.service().audits().stallSeconds() * 1000L;
            for (DurableEvents.ConsumerState c : d.state()) {
                if (c.stalledMillis() >= stallMillis) {
                    out.add("durable consumer " + c.name() + ": " + c.pending() + " message(s) waiting, none taken for "
                            + c.stalledMillis() / 1000 + " s; see the log and 'kiam-ms status'");
                }
            }
            return out;
        }
    }

    private RecentRequests recentRequests() {
        Settings.DedupSettings dedup = settings.service().dedup();
        return dedup.windowSeconds() == 0 ? RecentRequests.disabled()
                : new RecentRequests(Duration.ofSeconds(dedup.windowSeconds()), dedup.maxEntries());
    }

    /** Every few seconds the counters go to a file, for 'kiam-ms status' in another process. */
    private void startStatsWriter() {
        statsWriter.scheduleWithFixedDelay(() -> {
            try {
                watchStore();
                HealthSnapshot health = HealthSnapshot.of(healthSource);
                RunStats.of(stats, durable == null ? 0 : durable.deadLettered(), DeliveryStats.process().snapshot(),
                        health.status(), health.problems()).write(paths.statsFile());
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "stats file", e);
            }
        }, 0, 2, java.util.concurrent.TimeUnit.SECONDS);
    }

    private BrokerConfigWriter.Cluster cluster() {
        Settings.ClusterSettings c = settings.broker().cluster();
        return c == null ? null : new BrokerConfigWriter.Cluster(c.name(), c.listen(), c.routes(), c.user(), c.password());
    }

    private BrokerConfigWriter.Tls tls() {
        Settings.TlsSettings t = settings.broker().tls();
        if (t == null) {
            return null;
        }
        Path cert = config.resolve(t.cert(), paths.confDir());
        Path key = config.resolve(t.key(), paths.confDir());
        for (Path p : new Path[]{cert, key}) {
            if (!java.nio.file.Files.isReadable(p)) {
                throw new KiamMsException(KiamMsException.CONFIG, "broker.tls: " + p + " is missing or not readable");
            }
        }
        return new BrokerConfigWriter.Tls(cert, key, t.ca().isEmpty() ? null : config.resolve(t.ca(), paths.confDir()));
    }

    /** Unique per host and port, as JetStream needs in a cluster. */
    private String serverName() {
        String configured = settings.broker().serverName();
        if (!configured.isEmpty()) {
            return configured;
        }
        return "kiam-ms-" + hostName().replaceAll("[^A-Za-z0-9-]", "-") + "-" + settings.broker().port();
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private String natsServerVersion(int monitorPort) {
        try {
            return "nats-server v" + new BrokerMonitor(monitorPort).server().version();
        } catch (IOException e) {
            LOG.log(Level.FINE, "monitoring endpoint not answering", e);
            return paths.bundledNatsServer().map(NatsServerRecord::line).orElse("nats-server (version unknown)");
        }
    }

    private Path logDir() {
        return paths.logDir(config);
    }

    /** The broker URL for clients on this host; {@code password} null gives no credentials at all. */
    private String brokerUrl(String password) {
        return BrokerAddress.url(settings.broker(), password == null ? null : BrokerCredentials.KIAM, password);
    }

    /** After a reconnect the broker may be a new process: its pulls for our consumers are gone. */
    private void onReconnected() {
        DurableEvents d = durable;
        if (d != null) {
            d.resume("reconnected to the broker");
        }
    }

    /** One log line per connection event instead of jnats' default stack traces. */
    private static final class ConnectionLogger implements ConnectionListener {
        private final Runnable onReconnected;

        ConnectionLogger(Runnable onReconnected) {
            this.onReconnected = onReconnected;
        }

        @Override
        public void connectionEvent(Connection conn, Events type) {
            switch (type) {
                case DISCONNECTED -> LOG.warning("disconnected from the broker; reconnecting");
                case RECONNECTED -> {
                    LOG.info("reconnected to the broker");
                    onReconnected.run();
                }
                case CLOSED -> LOG.fine("broker connection closed");
                default -> LOG.fine(() -> "broker connection: " + type);
            }
        }
    }
}
