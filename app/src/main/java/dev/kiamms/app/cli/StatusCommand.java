package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.broker.BrokerMonitor;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.Settings;
import dev.kiamms.app.geoip.GeoIpAge;
import dev.kiamms.app.service.BrokerAddress;
import dev.kiamms.app.service.InstanceLock;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.app.service.NatsServerRecord;
import dev.kiamms.app.service.RunState;
import dev.kiamms.app.service.RunStats;
import dev.kiamms.bus.DeadLetters;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "status",
        description = "Say whether the appliance of this data directory is running, and how its broker is doing.",
        footer = {"", "Exit codes (as LSB init scripts): 0 running, 1 not running but its state remains (it did not stop cleanly), 3 not running.",
                "", "Examples:", "  kiam-ms status", "  kiam-ms status --json --data /var/lib/kiam-ms"})
public final class StatusCommand implements Callable<Integer> {

    @Mixin
    InstanceOptions instance;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() {
        InstancePaths paths = instance.paths();
        PrintWriter out = output.out();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("data", paths.dataDir().toString());
        String geoipRow = geoip(paths, j);
        Optional<NatsServerRecord> bundled = paths.bundledNatsServer();
        j.put("bundledNatsServerVersion", bundled.map(NatsServerRecord::version).orElse(null));
        j.put("bundledNatsServerSha256", bundled.map(NatsServerRecord::sha256).filter(h -> !h.isEmpty()).orElse(null));
        Whereabouts where = whereabouts(paths, j);
        RunState state = RunState.read(paths.stateFile()).orElse(null);
        if (state == null || !InstanceLock.isHeld(paths.lockFile())) {
            boolean stale = state != null;
            j.put("running", false);
            if (stale) {
                j.put("stalePid", state.pid());
            }
            if (output.json()) {
                output.printJson(out, j);
            } else {
                out.println("kiam-ms is not running for " + paths.dataDir()
                        + (stale ? " (pid " + state.pid() + " did not stop cleanly; 'kiam-ms start' cleans up)" : ""));
                if (where != null) {
                    row(out, "broker", where.broker() + " (when started)");
                    where.rows().forEach((label, value) -> row(out, label, value));
                }
            }
            return stale ? KiamMsException.FAILURE : KiamMsException.NOT_RUNNING;
        }
        Duration uptime = Duration.between(Instant.parse(state.startedAt()), Instant.now());
        j.put("running", true);
        j.put("pid", state.pid());
        j.put("version", state.version());
        j.put("uptimeSeconds", uptime.toSeconds());
        j.put("broker", state.brokerUrl());
        j.put("brokerUrl", withMaskedUser(state.brokerUrl()));
        j.put("config", state.config());
        j.put("natsServerPid", state.natsServerPid());
        j.put("brokerRestarts", state.brokerRestarts());

        BrokerMonitor monitor = new BrokerMonitor(state.monitorPort());
        j.put("monitoring", monitor.baseUrl());
        String brokerLine;
        List<String> subjects = state.subjects();
        List<String> krossiam = new ArrayList<>();
        // Connections per app user (kiam-ms users), by the broker's word.
        Map<String, Integer> apps = new java.util.TreeMap<>();
        boolean brokerUp;
        if (state.monitorPort() == 0) {
            // An external broker: kiam-ms has no monitoring endpoint of its own to read.
            j.put("externalBroker", true);
            j.put("brokerUrl", state.brokerUrl());
            j.put("subjects", subjects);
            RunStats external = RunStats.read(paths.statsFile()).orElse(null);
            long externalDeadLetters = new DeadLetters(paths.deadLetterDir()).count();
            j.put("deadLetters", externalDeadLetters);
            putCounters(j, external);
            putHealth(j, external);
            if (output.json()) {
                output.printJson(out, j);
            } else {
                out.println("kiam-ms " + state.version() + " is running (pid " + state.pid() + ", up " + human(uptime) + ")");
                row(out, "broker", "external, " + state.brokerUrl());
                row(out, "answering", String.join(", ", subjects));
                row(out, "health", healthRow(external));
                row(out, "geoip", geoipRow);
                counterRows(out, externalDeadLetters, external);
                whereRows(out, state, where, paths);
            }
            return 0;
        }
        try {
            BrokerMonitor.ServerInfo info = monitor.server();
            brokerUp = true;
            j.put("natsServerVersion", info.version());
            j.put("brokerConnections", info.connections());
            List<String> live = new ArrayList<>();
            for (BrokerMonitor.Client c : monitor.clients()) {
                if (c.name().equals("kiam")) {
                    krossiam.add(c.ip());
                }
                if (c.name().equals("kiam-ms")) {
                    live.addAll(c.subscriptions());
                }
                if (!c.user().isEmpty() && !BrokerCredentials.OWN_USERS.contains(c.user())) {
                    apps.merge(c.user(), 1, Integer::sum);
                }
            }
            if (!live.isEmpty()) {
                // What the broker says kiam-ms subscribes to (not its reply inboxes), plus the durable consumers.
                List<String> merged = new ArrayList<>(live.stream().filter(x -> x.startsWith("kiam.console.")).sorted().toList());
                subjects.stream().filter(x -> x.contains("(stream ")).forEach(merged::add);
                subjects = merged;
            }
            brokerLine = withMaskedUser(state.brokerUrl()) + " (nats-server v" + info.version() + ", pid " + state.natsServerPid()
                    + ", " + info.connections() + " connections, " + state.brokerRestarts() + " restarts)";
        } catch (IOException e) {
            brokerUp = false;
            brokerLine = withMaskedUser(state.brokerUrl()) + " NOT ANSWERING on " + monitor.baseUrl() + " (" + e.getMessage() + ")";
        }
        List<BrokerMonitor.StreamStatus> streams = List.of();
        if (brokerUp) {
            try {
                streams = monitor.jetStream();
            } catch (IOException e) {
                streams = List.of();
            }
        }
        long deadLetters = new DeadLetters(paths.deadLetterDir()).count();
        RunStats stats = RunStats.read(paths.statsFile()).orElse(null);
        j.put("brokerAnswering", brokerUp);
        j.put("brokerRestarts", state.brokerRestarts());
        j.put("jetStream", streams);
        j.put("deadLetters", deadLetters);
        putCounters(j, stats);
        j.put("krossiamConnected", !krossiam.isEmpty());
        j.put("krossiamClients", krossiam);
        j.put("subjects", subjects);
        j.put("appConnections", apps);
        putHealth(j, stats);
        if (output.json()) {
            output.printJson(out, j);
        } else {
            out.println("kiam-ms " + state.version() + " is running (pid " + state.pid() + ", up " + human(uptime) + ")");
            row(out, "broker", brokerLine);
            row(out, "monitoring", monitor.baseUrl());
            bundled.ifPresent(b -> row(out, "nats-server", "v" + b.version()
                    + (b.sha256().isEmpty() ? "" : ", sha256 " + b.sha256())
                    + (b.origin().isEmpty() ? "" : ", " + b.origin())));
            row(out, "KrossIAM", krossiam.isEmpty() ? "not connected (no client named kiam)"
                    : "connected from " + String.join(", ", krossiam));
            row(out, "answering", subjects.isEmpty() ? "nothing" : String.join(", ", subjects));
            if (!apps.isEmpty()) {
                row(out, "apps", apps.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                        .collect(java.util.stream.Collectors.joining(", ")) + " connected (kiam-ms users list)");
            }
            for (BrokerMonitor.StreamStatus st : streams) {
                StringBuilder line = new StringBuilder(st.name() + ": " + st.messages() + " messages, " + st.bytes() / 1024 + " KiB");
                for (BrokerMonitor.ConsumerStatus c : st.consumers()) {
                    line.append("; ").append(c.name()).append(" pending ").append(c.pending()).append(", unacked ")
                            .append(c.ackPending()).append(", redelivered ").append(c.redelivered());
                }
                row(out, "jetstream", line.toString());
            }
            row(out, "health", healthRow(stats));
            row(out, "geoip", geoipRow);
            counterRows(out, deadLetters, stats);
            whereRows(out, state, where, paths);
        }
        return brokerUp ? 0 : KiamMsException.FAILURE;
    }

    /**
     * The configured GeoIP database's type and age, read from the file itself (this is another
     * process than the appliance); puts the JSON fields and returns the text row.
     */
    private String geoip(InstancePaths paths, Map<String, Object> j) {
        j.put("geoipType", null);
        j.put("geoipBuilt", null);
        j.put("geoipAgeDays", null);
        j.put("geoipStale", false);
        try {
            LoadedConfig config = instance.loadConfig(paths);
            Settings.GeoIpSettings s = config.settings().geoip();
            if (s.path().isEmpty()) {
                return "not configured (geoip.path)";
            }
            GeoIpAge age = GeoIpAge.read(config.resolve(s.path(), paths.confDir()), Instant.now(), s.maxAgeDays());
            j.put("geoipType", age.type());
            j.put("geoipBuilt", age.built().toString());
            j.put("geoipAgeDays", age.ageDays());
            j.put("geoipStale", age.stale());
            return age.describe();
        } catch (IOException | RuntimeException e) {
            j.put("geoipError", e.getMessage());
            return "UNUSABLE: " + e.getMessage();
        }
    }

    /** The handler and mail counters the appliance last wrote (every 2 s), whichever broker it uses. */
    private static void putCounters(Map<String, Object> j, RunStats stats) {
        j.put("handlers", stats == null ? Map.of() : stats.handlers());
        j.put("mailAttempts", stats == null || stats.mailAttempts() == null ? Map.of() : stats.mailAttempts());
        j.put("mtas", stats == null || stats.mtas() == null ? List.of() : stats.mtas());
        j.put("sendLimits", stats == null || stats.sendLimits() == null ? Map.of() : stats.sendLimits());
    }

    private static void counterRows(PrintWriter out, long deadLetters, RunStats stats) {
        row(out, "dead letters", deadLetters + (deadLetters > 0 ? " (kiam-ms dead-letters list)" : ""));
        if (stats != null) {
            stats.handlers().forEach((name, c) -> row(out, "", name + ": " + c.handled() + " handled, " + c.failed()
                    + " failed, " + c.refused() + " refused, " + c.duplicates() + " repeats"));
            if (stats.mailAttempts() != null) {
                stats.mailAttempts().forEach((mta, byOutcome) -> row(out, "mail", mta + ": " + byOutcome));
            }
            if (stats.mtas() != null) {
                stats.mtas().forEach(m -> row(out, "mta", m.describe()));
            }
            if (stats.sendLimits() != null) {
                stats.sendLimits().forEach((action, c) -> row(out, "send limits", action + ": " + c.allowed() + " allowed, "
                        + c.overLimit() + " over the limit, " + c.unavailable() + " refused with the limit store down"));
            }
        }
    }

    /** The appliance's own word on its health, as it last wrote it (every 2 s). */
    private static void putHealth(Map<String, Object> j, RunStats stats) {
        j.put("health", stats == null ? null : stats.health());
        j.put("problems", stats == null || stats.problems() == null ? List.of() : stats.problems());
    }

    private static String healthRow(RunStats stats) {
        if (stats == null || stats.health() == null) {
            return "unknown (no counters written yet)";
        }
        return stats.problems() == null || stats.problems().isEmpty() ? stats.health()
                : stats.health().toUpperCase(java.util.Locale.ROOT) + ": " + String.join("; ", stats.problems());
    }

    /**
     * Config, data, logs, health, metrics and mail of this configuration; the config row names the
     * file the running appliance was started with, which may differ from this command's --config.
     */
    private static void whereRows(PrintWriter out, RunState state, Whereabouts where, InstancePaths paths) {
        if (where == null) {
            row(out, "config", state.config());
            row(out, "data", paths.dataDir().toString());
            return;
        }
        where.rows().forEach((label, value) -> row(out, label, label.equals("config") ? state.config() : value));
    }

    /** Where things are by this command's configuration; null (with the reason in the JSON) when it does not load. */
    private Whereabouts whereabouts(InstancePaths paths, Map<String, Object> j) {
        try {
            Whereabouts where = Whereabouts.of(paths, instance.loadConfig(paths));
            where.putJson(j);
            return where;
        } catch (RuntimeException e) {
            j.put("configError", e.getMessage());
            return null;
        }
    }

    /** A URL as KrossIAM uses it, with the user kiam and the password masked: {@code nats://kiam:****@host:port}. */
    static String withMaskedUser(String url) {
        if (url == null || url.contains("@")) {
            return BrokerAddress.mask(url);
        }
        return url.replaceFirst("://", "://" + BrokerCredentials.KIAM + ":" + BrokerAddress.MASK + "@");
    }

    private static void row(PrintWriter out, String label, String value) {
        out.printf("  %-12s %s%n", label, value);
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + (s % 60) + "s";
        }
        if (s < 86400) {
            return (s / 3600) + "h" + (s % 3600 / 60) + "m";
        }
        return (s / 86400) + "d" + (s % 86400 / 3600) + "h";
    }
}
