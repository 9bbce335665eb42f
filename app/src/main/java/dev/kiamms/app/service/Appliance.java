package dev.kiamms.app.service;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.Version;
import dev.kiamms.app.broker.BrokerConfigWriter;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.broker.BrokerSupervisor;
import dev.kiamms.app.broker.ManagedBroker;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.Settings;
import dev.kiamms.app.health.HealthServer;
import dev.kiamms.app.registry.BuiltIns;
import dev.kiamms.app.registry.Registry;
import dev.kiamms.app.users.AppUsers;
import dev.kiamms.app.users.BrokerUsers;
import dev.kiamms.files.OwnerOnlyFiles;
import dev.kiamms.metrics.CountingStats;

import io.nats.client.Connection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One running kiam-ms: its lifecycle. {@link #start()} brings the broker, the subscriptions
 * ({@link Wiring}, from the {@link Registry}) and the health endpoint up in order and fails with
 * one line when a part cannot start; {@link #stop()} drains the subscribers (every accepted action
 * still gets its reply) before it stops the broker; {@link #reload()} goes to {@link Reloader}.
 */
public final class Appliance {

    private static final Logger LOG = Logger.getLogger("kiamms.appliance");
    private static final Duration BROKER_START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration BROKER_STOP_GRACE = Duration.ofSeconds(10);

    /** What {@code start} prints when the appliance is ready. */
    public record Ready(String brokerUrlMasked, String natsServerVersion, List<String> subjects, Duration startup) {
    }

    /** What a reload did, for the log, {@code kiam-ms reload} and the run directory. */
    public record ReloadResult(boolean applied, String message, BrokerUsers.Outcome brokerUsers) {
        public ReloadResult(boolean applied, String message) {
            this(applied, message, BrokerUsers.Outcome.UNCHANGED);
        }
    }

    /** One reload as recorded: {@code json} is what {@code run/reload.json} now holds. */
    public record Recorded(ReloadResult result, byte[] json) {
    }

    private final InstancePaths paths;
    /** The configuration the appliance started with: broker, subscriptions and files follow it until a restart. */
    private final LoadedConfig config;
    private final Settings settings;
    private final Registry registry;
    /** The one stats spine: pipelines and mail report here; metrics, health, status and $SRV read its snapshot. */
    private final CountingStats stats = new CountingStats();
    /** What the handlers read per message; replaced whole by {@link #reload}. */
    private final AtomicReference<Resources> resources = new AtomicReference<>();
    private final CompletableFuture<Integer> terminated = new CompletableFuture<>();
    /** Writes the stats file, retries attaching JetStream, closes replaced resources. */
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kiam-ms-stats");
        t.setDaemon(true);
        return t;
    });
    private final BrokerSetup brokerSetup;
    private final Wiring wiring;
    private final Reloader reloader;
    private final ApplianceHealth healthSource;

    private InstanceLock lock;
    private volatile BrokerSupervisor broker;
    /** With the embedded broker: its users follow the app users on file. */
    private BrokerUsers brokerUsers;
    private RunState state;
    private volatile Connection connection;
    private boolean stopped;
    private HealthServer health;
    /** The $SRV (ADR-32) responder on the subscribers' connection. */
    private ServiceDiscovery discovery;

    public Appliance(InstancePaths paths, LoadedConfig config) {
        this(paths, config, BuiltIns.registry());
    }

    /** @param registry the actions and events answered: the built-ins, or more in tests */
    public Appliance(InstancePaths paths, LoadedConfig config, Registry registry) {
        this.paths = paths;
        this.config = config;
        this.settings = config.settings();
        this.registry = registry;
        this.brokerSetup = new BrokerSetup(paths, config);
        this.wiring = new Wiring(paths, settings, registry, stats, resources, scheduler, paths.logDir(config));
        this.reloader = new Reloader(paths, settings, registry, resources, wiring, scheduler);
        this.healthSource = new ApplianceHealth(() -> connection, () -> broker, wiring, stats,
                settings.service().audits().stallSeconds());
    }

    /** Completes with the process exit code once the appliance has stopped for good. */
    public CompletableFuture<Integer> terminated() {
        return terminated;
    }

    public CountingStats stats() {
        return stats;
    }

    public synchronized Ready start() {
        long t0 = System.nanoTime();
        Settings.BrokerSettings b = settings.broker();
        if (!b.embedded() && settings.brokers().isEmpty()) {
            throw new KiamMsException(KiamMsException.CONFIG,
                    "broker.embedded: false needs the external NATS servers in brokers: [nats://user:password@host:4222, ...]");
        }
        Registries.requireValid(registry, config);
        IgnoredKeys.warn(settings);
        try {
            OwnerOnlyFiles.directory(paths.dataDir());
            lock = InstanceLock.tryAcquire(paths.lockFile()).orElseThrow(() -> new KiamMsException(KiamMsException.FAILURE,
                    "kiam-ms is already running for " + paths.dataDir()
                            + RunState.read(paths.stateFile()).map(s -> " (pid " + s.pid() + ")").orElse("")
                            + "; stop it first or use another --data directory"));
            ManagedBroker.stopStale(paths.natsPidFile());
            resources.set(Resources.load(paths, config, registry.needsMail(settings), wiring.jetStream().attemptLog(), stats));
            Registries.requireValid(registry, config, resources.get().templateNames()); // routes naming a missing template
            Path logDir = OwnerOnlyFiles.directory(paths.logDir(config));
            BrokerCredentials credentials = null;
            if (b.embedded()) {
                credentials = BrokerCredentials.loadOrCreate(paths.credentialsFile());
                startBroker(credentials, brokerSetup.layout(logDir));
            }
            connection = brokerSetup.connectSubscribers(credentials, wiring::resumeAfterReconnect);
            List<String> subjects = wiring.subscribe(connection);
            discovery = new ServiceDiscovery(connection, Version.current(), settings.service().queueGroup(), stats::snapshot,
                    wiring::answering);
            discovery.start();
            startStatsWriter();
            health = HealthServer.startIfEnabled(settings.health().port(), healthSource).orElse(null);
            if (health != null) {
                LOG.info(() -> "health and metrics on http://" + health.hostAndPort() + "/healthz and /metrics");
            }
            String url = b.embedded() ? brokerSetup.brokerUrl(null) : BrokerAddress.mask(connection.getConnectedUrl());
            String version = b.embedded() ? brokerSetup.natsServerVersion()
                    : "external nats-server " + connection.getServerInfo().getVersion();
            state = new RunState(ProcessHandle.current().pid(), Version.current(), Instant.now().toString(), url,
                    b.embedded() ? b.monitorPort() : 0,
                    broker == null ? null : broker.broker().process().map(ProcessHandle::pid).orElse(null),
                    0, config.describeSource(), subjects);
            state.write(paths.stateFile());
            Duration startup = Duration.ofNanos(System.nanoTime() - t0);
            LOG.info(() -> "ready in " + startup.toMillis() + " ms" + (b.embedded() ? "" : " on external broker " + url)
                    + "; answering " + String.join(", ", subjects));
            return new Ready(b.embedded() ? brokerSetup.brokerUrl(BrokerAddress.MASK) : url, version, subjects, startup);
        } catch (KiamMsException e) {
            stop();
            throw e;
        } catch (IOException | java.io.UncheckedIOException e) {
            stop();
            throw new KiamMsException(KiamMsException.FAILURE, "cannot start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new KiamMsException(KiamMsException.FAILURE, "interrupted while starting");
        }
    }

    private void startBroker(BrokerCredentials credentials, BrokerConfigWriter.BrokerLayout layout)
            throws IOException, InterruptedException {
        brokerUsers = new BrokerUsers(paths.natsConfigFile(), layout, credentials, new AppUsers(paths.appUsersFile()),
                settings.service().queueGroup());
        brokerUsers.writeConfig();
        Settings.RestartSettings r = settings.broker().restarts();
        broker = new BrokerSupervisor(new ManagedBroker(paths.natsServerBinary(), paths.natsConfigFile(), layout),
                new BrokerSupervisor.RestartPolicy(r.maxFailures(), Duration.ofSeconds(r.windowSeconds())),
                BROKER_START_TIMEOUT, this::onBrokerRestarted, this::onBrokerGaveUp);
        broker.start();
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
        scheduler.shutdownNow();
        if (discovery != null) {
            discovery.close();
        }
        wiring.drainAndClose(DRAIN_TIMEOUT);
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
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

    /**
     * Reloads the app users (they live in their own file and change even when the configuration
     * is refused) and the configuration; see {@link Reloader}.
     *
     * @return one line saying what happened
     */
    public synchronized ReloadResult reload() {
        if (stopped || wiring.bus() == null) {
            return new ReloadResult(false, "kiam-ms is not running");
        }
        BrokerUsers.Change users = broker == null ? new BrokerUsers.Change(BrokerUsers.Outcome.UNCHANGED, "")
                : brokerUsers.reload(broker.broker());
        ReloadResult config = reloader.reload();
        return new ReloadResult(config.applied() && users.outcome() != BrokerUsers.Outcome.FAILED,
                users.message().isEmpty() ? config.message() : config.message() + "; " + users.message(), users.outcome());
    }

    /** Reloads on SIGHUP, and leaves the outcome in {@code <data>/run/reload.json}. */
    public ReloadResult reloadAndRecord() {
        return reloadAndRecord(List.of()).result();
    }

    /** Reloads and records the outcome naming the requests it answers (from {@link ReloadRequestWatcher}), so each knows it. */
    public Recorded reloadAndRecord(List<String> requests) {
        return Reloader.record(paths, reload(), requests);
    }

    /** Every few seconds the counters go to a file, for 'kiam-ms status' in another process. */
    private void startStatsWriter() {
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                wiring.jetStream().watchStore(connection);
                healthSource.runStats().write(paths.statsFile());
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "stats file", e);
            }
        }, 0, 2, TimeUnit.SECONDS);
    }
}
