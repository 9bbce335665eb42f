package dev.kiamms.app.service;

import dev.kiamms.app.KiamMsException;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where one appliance keeps its things. The distribution root ("home") holds {@code bin/},
 * {@code conf/} and, by default, {@code data/}; the data directory holds all state, so two
 * appliances on one host differ only by {@code --data} (and ports).
 */
public record InstancePaths(Path home, Path configFile, boolean configGiven, Path dataDir) {

    public static InstancePaths of(Path configOption, Path dataOption) {
        Path home = distributionHome();
        Path config = configOption != null ? configOption : home.resolve("conf").resolve("kiam-ms.yaml");
        Path data = dataOption != null ? dataOption : home.resolve("data");
        return new InstancePaths(home, config.toAbsolutePath().normalize(), configOption != null,
                data.toAbsolutePath().normalize());
    }

    /** The distribution root, as the launcher script passes it; the working directory when run from a build. */
    public static Path distributionHome() {
        String h = System.getProperty("kiamms.home");
        return (h == null || h.isBlank() ? Path.of("") : Path.of(h)).toAbsolutePath().normalize();
    }

    public Path confDir() {
        return home.resolve("conf");
    }

    public Path brokerDir() {
        return dataDir.resolve("broker");
    }

    public Path credentialsFile() {
        return brokerDir().resolve("credentials.json");
    }

    /** The operator's own broker users ({@code kiam-ms users}), with their passwords: owner-only. */
    public Path appUsersFile() {
        return brokerDir().resolve("app-users.json");
    }

    public Path natsConfigFile() {
        return brokerDir().resolve("nats-server.conf");
    }

    /** Audits kept on this node until the stream has them, see {@code AuditSpool}. */
    public Path spoolDir() {
        return dataDir.resolve("spool");
    }

    /** The audit stream's extent as last seen, see {@link StreamMark}: beside the store, kept across restarts. */
    public Path streamMarkFile() {
        return brokerDir().resolve("stream-mark.json");
    }

    public Path natsPidFile() {
        return brokerDir().resolve("nats-server.pid");
    }

    public Path lockFile() {
        return dataDir.resolve("run").resolve("kiam-ms.lock");
    }

    public Path jetStreamDir() {
        return dataDir.resolve("jetstream");
    }

    public Path deadLetterDir() {
        return dataDir.resolve("dead-letters");
    }

    public Path reloadFile() {
        return dataDir.resolve("run").resolve("reload.json");
    }

    /** Where {@code kiam-ms reload} and its kin leave reload requests and find their answers; see {@link ReloadRequestWatcher}. */
    public Path reloadRequestDir() {
        return dataDir.resolve("run").resolve("reload-requests");
    }

    public Path statsFile() {
        return dataDir.resolve("run").resolve("stats.json");
    }

    public Path stateFile() {
        return dataDir.resolve("run").resolve("kiam-ms.json");
    }

    /** {@code log.path} from the configuration, else {@code <data>/logs}. */
    public Path logDir(dev.kiamms.app.config.LoadedConfig config) {
        String configured = config.settings().log().path();
        return configured.isEmpty() ? dataDir.resolve("logs") : config.resolve(configured, confDir());
    }

    /**
     * The nats-server to run: the one shipped in {@code bin/}, else {@code NATS_SERVER_BIN}, else
     * the first on PATH.
     */
    public Path natsServerBinary() {
        Path bundled = home.resolve("bin").resolve("nats-server");
        if (Files.isExecutable(bundled)) {
            return bundled;
        }
        String env = System.getenv("NATS_SERVER_BIN");
        if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) {
            return Path.of(env);
        }
        return onPath("nats-server").orElseThrow(() -> new KiamMsException(KiamMsException.FAILURE,
                "nats-server not found (looked in " + bundled + ", $NATS_SERVER_BIN and PATH); "
                        + "reinstall the distribution or set NATS_SERVER_BIN"));
    }

    /**
     * What {@code scripts/fetch-nats-server} recorded about the nats-server this appliance runs:
     * the distribution's {@code NATS-SERVER.txt} for its {@code bin/nats-server}; in a build
     * without one (tests, a development tree), the {@code nats-server.txt} next to
     * {@code NATS_SERVER_BIN}, which is where the script writes it.
     */
    public Optional<NatsServerRecord> bundledNatsServer() {
        Optional<NatsServerRecord> shipped = NatsServerRecord.read(home.resolve("NATS-SERVER.txt"));
        if (shipped.isPresent() || Files.isExecutable(home.resolve("bin").resolve("nats-server"))) {
            return shipped;
        }
        String env = System.getenv("NATS_SERVER_BIN");
        if (env != null && !env.isBlank() && Path.of(env).getParent() != null) {
            return NatsServerRecord.read(Path.of(env).getParent().resolve("nats-server.txt"));
        }
        return Optional.empty();
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
