package dev.kiamms.bench;

import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.iplocation.IpLocationRequest;
import dev.kiamms.mail.AccountAddEmailAudit;
import dev.kiamms.mail.VerifyEmailRequest;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.ProtocolVersion;
import dev.kiamms.protocol.Subjects;

import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.model.CityResponse;

import io.nats.client.Connection;
import io.nats.client.Nats;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.stream.Stream;

import static dev.kiamms.bench.Report.MISS;
import static dev.kiamms.bench.Report.PASS;
import static dev.kiamms.bench.Report.f0;
import static dev.kiamms.bench.Report.f1;
import static dev.kiamms.bench.Report.f2;
import static dev.kiamms.bench.Report.mb;
import static dev.kiamms.bench.Report.ms;

/**
 * The kiam-ms benchmark (issue 6): the built archive, unpacked and started as an operator would,
 * measured against the ceiling of the same broker and the same client. See scripts/bench.
 */
public final class Bench {

    // Targets of issue 6.
    static final double TARGET_RATE_RATIO = 0.8;
    static final double TARGET_P99_RATIO = 1.5;
    static final double TARGET_MAILS_PER_S = 500;
    static final double TARGET_OUTBOX_MAILS_PER_S = 1000;
    static final double TARGET_START_MS = 1500;
    static final double TARGET_STATUS_MS = 500;
    static final long TARGET_ARCHIVE_BYTES = 60_000_000L;
    static final long TARGET_JVM_RSS_BYTES = 150_000_000L;

    static final String IPLOCATION = Subjects.action("iplocation");
    /**
     * The ceiling's subject: as long as iplocation's, and nothing of kiam-ms reads it, so that the
     * bare responder and kiam-ms can be measured turn by turn on one broker.
     */
    static final String CEILING = Subjects.action("benchiploc");
    static final String CEILING_GO = Subjects.action("benchiplocgo");
    static final String SENDVERIFYEMAIL = Subjects.action("sendverifyemail");
    static final String ACCOUNTADDEMAIL = Subjects.audit("accountaddemail");

    /** In MaxMind's GeoIP2-City-Test.mmdb (examples/geoip/README.md in the distribution). */
    static final String[] TEST_DB_ADDRESSES = {"81.2.69.142", "2.125.160.216", "89.160.20.112", "175.16.199.1",
            "216.160.83.56"};
    static final String[] LOCALES = {"en-us", "zh-cn"};

    private final Map<String, String> opts;
    private final Report report = new Report();
    private final Path out;
    private final Duration warmup;
    /** The longest prewarm waits for a quiet JIT (--settle). */
    private final Duration settleMax;
    private final Duration measure;
    private final int[] concurrencies;
    private final int[] mailConcurrencies;
    /** Client connections the iplocation load is spread over (KrossIAM's workers each hold one). */
    private final int[] connectionCounts;
    /** The Go ceiling's binary (scripts/build-go-ceiling), or null: the Java ceiling only. */
    private final Path goCeiling;
    private final int maxSamples;
    private final boolean jfr;
    /** Phases to run: test (iplocation and its ceiling with the test DB), mail (with the audits), full, startup. */
    private final List<String> only;
    private final List<String> failures = new ArrayList<>();
    private final List<Double> phaseStarts = new ArrayList<>();
    /** Other processes using more than this (percent of one CPU) during a cell make it suspect. */
    static final double OTHER_CPU_WARN_PERCENT = 10;
    private double maxOther;
    private double maxSteal;
    private final List<String> busyCells = new ArrayList<>();

    private Installed installed;
    private SmtpSink sink;
    private Path workDir;
    private int brokerPort;
    private int monitorPort;
    private Path testDb;
    private Path fullDb;

    private Bench(Map<String, String> opts) {
        this.opts = opts;
        Path root = Path.of(opts.getOrDefault("root", ".")).toAbsolutePath().normalize();
        this.out = Path.of(opts.getOrDefault("out", root.resolve("target/bench").toString()));
        this.warmup = Duration.ofMillis((long) (Double.parseDouble(opts.getOrDefault("warmup", "3")) * 1000));
        this.settleMax = Duration.ofMillis((long) (Double.parseDouble(opts.getOrDefault("settle", "120")) * 1000));
        this.measure = Duration.ofMillis((long) (Double.parseDouble(opts.getOrDefault("measure", "10")) * 1000));
        this.concurrencies = ints(opts.getOrDefault("concurrency", "1,16,64"));
        this.mailConcurrencies = ints(opts.getOrDefault("mail-concurrency", "1,16"));
        this.connectionCounts = ints(opts.getOrDefault("connections", "1,6"));
        this.goCeiling = opts.containsKey("go-ceiling") ? Path.of(opts.get("go-ceiling")) : null;
        this.maxSamples = Integer.parseInt(opts.getOrDefault("max-samples", "2000000"));
        this.jfr = opts.containsKey("jfr");
        this.only = List.of(opts.getOrDefault("only", "test,mail,outbox,durability,routes,full,startup").split(","));
    }

    private boolean selected(String phase) {
        return only.contains(phase);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            String key = args[i].substring(2);
            if (key.equals("jfr") || key.equals("java-sink")) {
                opts.put(key, "true");
            } else {
                opts.put(key, args[++i]);
            }
        }
        System.exit(new Bench(opts).run());
    }

    private int run() throws Exception {
        long t0 = System.nanoTime();
        String loadAtStart = Proc.loadAverage();
        Path archive = Path.of(required("archive"));
        testDb = Path.of(required("test-db"));
        fullDb = opts.containsKey("full-db") ? Path.of(opts.get("full-db")) : null;
        LocalDateTime now = LocalDateTime.now();
        String stamp = now.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Files.createDirectories(out);
        workDir = Files.createTempDirectory("kiam-ms-bench-");
        installed = Installed.unpack(archive, workDir);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            installed.killLeftovers();
            if (sink != null) {
                sink.close();
            }
        }));
        brokerPort = freePort();
        monitorPort = freePort();

        report.settings.put("date", now.toString());
        report.settings.put("summary", "warm-up " + warmup.toMillis() / 1000.0 + " s + measure " + measure.toMillis() / 1000.0
                + " s per cell, concurrency " + Arrays.toString(concurrencies) + " over " + Arrays.toString(connectionCounts)
                + " client connections (iplocation), "
                + Arrays.toString(mailConcurrencies) + " (sendverifyemail); loopback only; MB = 10^6 bytes");
        report.settings.put("warmupSeconds", warmup.toMillis() / 1000.0);
        report.settings.put("measureSeconds", measure.toMillis() / 1000.0);
        report.settings.put("archive", archive.toString());
        report.settings.put("testDb", testDb.toString());
        report.settings.put("fullDb", fullDb == null ? null : fullDb.toString());
        machine(archive);
        if (jfr) {
            report.note("--jfr: kiam-ms ran on " + System.getProperty("java.home") + " (the image has no jdk.jfr) with a"
                    + " flight recording, which costs some speed; its recordings are in " + out);
        }

        if (goCeiling == null) {
            report.note("no Go ceiling (--go-ceiling; scripts/build-go-ceiling could not build it): kiam-ms is compared"
                    + " with the Java ceiling only");
        } else {
            report.machine.put("Go ceiling", goCeiling.toString());
        }
        sink = startSink();
        report.machine.put("SMTP sink", sink.kind());
        System.err.println("bench: unpacked into " + workDir + "; SMTP sink: " + sink.kind() + " on port " + sink.port());

        long unpacked = treeSize(installed.home);
        // An operator's first command after unpacking: the launcher makes its class-data archive
        // then (lib/kiam-ms.jsa, once per installed place), which every later start and status uses.
        long firstStart = System.nanoTime();
        Installed.output(List.of(installed.home.resolve("bin/kiam-ms").toString(), "version"));
        report.note(String.format(Locale.ROOT, "first command after unpacking: bin/kiam-ms version took %.0f ms"
                        + " (it makes the class-data archive lib/kiam-ms.jsa: %s)", (System.nanoTime() - firstStart) / 1e6,
                Files.exists(installed.home.resolve("lib/kiam-ms.jsa")) ? "made" : "not made"));
        long archiveBytes = Files.size(archive);

        Proc.Rss[] testDbRss = new Proc.Rss[2];
        if (selected("test") || selected("mail")) {
            phase("iplocation (test DB) and mail", () -> {
                try (Installed.Running app = installed.start(config("test", testDb), jfrOpts("test-db-and-mail"), "test")) {
                    phaseStarts.add(app.startToReadyMs);
                    if (selected("test")) {
                        ipLocationCells(app, "iplocation, test DB (" + TEST_DB_ADDRESSES.length + " addresses)",
                                TEST_DB_ADDRESSES, testDbRss);
                    }
                    if (selected("mail")) {
                        mail(app, null);
                        audits(app, "fsync each (sync_interval: always, the default)");
                    }
                }
            });
        }
        if (selected("outbox")) {
            // No MTA configured: every mail is a file in <data>/outbox, forced to disk before the reply.
            phase("mail into the outbox", () -> {
                try (Installed.Running app = installed.start(config("outbox", testDb, null, false, ""), jfrOpts("outbox"), "outbox")) {
                    mail(app, installed.home.resolve("data/outbox"));
                }
            });
        }
        if (selected("durability")) {
            // The price of fsync: the same burst with the broker's store flushed every 2 minutes instead.
            phase("audits without fsync", () -> {
                try (Installed.Running app = installed.start(config("no-fsync", testDb, "2m"), jfrOpts("no-fsync"), "no-fsync")) {
                    audits(app, "no fsync (sync_interval: 2m, nats-server's default)");
                }
            });
        }
        if (selected("routes")) {
            // Routed audits through the webhook and SMS channels into loopback HTTP sinks.
            phase("routes", () -> {
                try (RoutesBench routes = new RoutesBench(Integer.parseInt(opts.getOrDefault("routes", "1000")));
                     Installed.Running app = installed.start(config("routes", testDb, null, true, routes.yaml()), jfrOpts("routes"), "routes");
                     Connection kiam = connectKiam(installed.credentials().get("kiam"))) {
                    routes.run(kiam, report, () -> {
                        try {
                            return cpuWindow(app.jvmPid(), app.natsServerPid());
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                }
            });
        }
        Proc.Rss[] fullDbRss = new Proc.Rss[2];
        if (!selected("full")) {
            report.note("phase 'full' not selected (--only)");
        } else if (fullDb != null) {
            phase("iplocation, full DB", () -> {
                String[] addresses = fullDbAddresses();
                try (Installed.Running app = installed.start(config("full", fullDb), jfrOpts("full-db"), "full")) {
                    phaseStarts.add(app.startToReadyMs);
                    ipLocationCells(app, "iplocation, full DB (" + addresses.length + " addresses)", addresses, fullDbRss);
                }
            });
        } else {
            report.note("no full-size City database given (--full-db): the full-DB rows are missing");
        }
        if (selected("startup")) {
            phase("start-up", this::startupPhase);
        }

        // Footprint.
        String s = "footprint";
        report.add(row(s, "archive (tar.gz)", mb(archiveBytes), "<= 60 MB", verdict(archiveBytes <= TARGET_ARCHIVE_BYTES),
                Map.of("bytes", archiveBytes)));
        report.add(row(s, "unpacked distribution", mb(unpacked), "", "", Map.of("bytes", unpacked)));
        rssRows(s, "test DB", testDbRss);
        rssRows(s, "full DB", fullDbRss);

        report.settings.put("benchSeconds", Math.round((System.nanoTime() - t0) / 1e9));
        report.machine.put("load average", loadAtStart + " at the start, " + Proc.loadAverage() + " at the end");
        report.settings.put("maxOtherProcessesCpuPercent", maxOther);
        report.settings.put("maxStealCpuPercent", maxSteal);
        report.note("CPU us/op: CPU time per request (per mail, per audit) of the answering process (kiam-ms, or the"
                + " ceiling's bare responder) / nats-server / the client (this harness), from /proc; vs ceiling: kiam-ms'"
                + " requests/s and p99 over the ceiling's, measured just before on the same broker");
        if (!busyCells.isEmpty()) {
            report.note("WARNING: other processes or the hypervisor (steal) took more than " + f0(OTHER_CPU_WARN_PERCENT)
                    + "% of a CPU during " + String.join(", ", busyCells)
                    + ": those figures are skewed; run again on a quiet machine");
        } else {
            report.note("other processes used at most " + f0(maxOther) + "% and steal at most " + f0(maxSteal)
                    + "% of one CPU during any cell");
        }
        for (String f : failures) {
            report.note("FAILED: " + f);
        }
        Path json = out.resolve("bench-" + stamp + ".json");
        Path txt = out.resolve("bench-" + stamp + ".txt");
        report.settings.put("files", List.of(json.toString(), txt.toString()));
        report.write(json, txt);
        System.out.print(report.text());
        System.out.println();
        System.out.println("written: " + json + " and " + txt + " (" + Math.round((System.nanoTime() - t0) / 1e9) + " s)");
        sink.close();
        deleteTree(workDir);
        return failures.isEmpty() ? 0 : 1;
    }

    // ---- phases -------------------------------------------------------------------------------

    private interface PhaseBody {
        void run() throws Exception;
    }

    private void phase(String name, PhaseBody body) {
        System.err.println("bench: phase " + name);
        try {
            body.run();
        } catch (Exception e) {
            e.printStackTrace();
            failures.add(name + ": " + e);
        }
    }

    /** A bare responder on its own subject: the Java one, and the Go one when it could be built. */
    private record Ceiling(String name, String subject, Process process) {
    }

    /**
     * The ceilings and iplocation, cell by cell: for each number of client connections and each
     * concurrency the bare responders (Java on {@link #CEILING}, Go on {@link #CEILING_GO}) and
     * then kiam-ms on {@link #IPLOCATION}, back to back on the same broker, with the same
     * requests from the same clients, so that all see the same machine. kiam-ms is judged
     * against the Java ceiling (the same runtime and client) and its ratio to the Go one (the
     * broker's own client, no JVM) is printed beside it.
     */
    @SuppressWarnings("try") // jnats Connection.close() may throw InterruptedException, which these methods declare
    private void ipLocationCells(Installed.Running app, String section, String[] addresses, Proc.Rss[] rssOut)
            throws Exception {
        Map<String, String> creds = installed.credentials();
        long natsPid = app.natsServerPid();
        List<Ceiling> ceilings = new ArrayList<>();
        List<Connection> clients = new ArrayList<>();
        try {
            ceilings.add(new Ceiling("ceiling (Java)", CEILING, startResponder(creds.get("mss"))));
            if (goCeiling != null) {
                ceilings.add(new Ceiling("ceiling (Go)", CEILING_GO, startGoResponder(creds.get("mss"))));
            }
            int most = Arrays.stream(connectionCounts).max().orElse(1);
            for (int i = 0; i < most; i++) {
                clients.add(connectKiam(creds.get("kiam")));
            }
            for (Ceiling ceiling : ceilings) {
                prewarm(new LoadDriver(clients, ceiling.subject(), ipPayloads(addresses), Duration.ofSeconds(10)),
                        ceiling.process().pid(), ceiling.name() + ", " + section);
            }
            prewarm(new LoadDriver(clients, IPLOCATION, ipPayloads(addresses), Duration.ofSeconds(10)), app.jvmPid(),
                    "kiam-ms, " + section);
            int lastConnections = connectionCounts[connectionCounts.length - 1];
            for (int connections : connectionCounts) {
                List<Connection> use = clients.subList(0, connections);
                for (int c : concurrencies) {
                    if (c < connections) {
                        continue; // fewer requests than connections: the same as with fewer connections
                    }
                    String cells = c + (connections == 1 ? "" : ", " + connections + " connections");
                    Map<String, LoadDriver.Cell> base = new LinkedHashMap<>();
                    for (Ceiling ceiling : ceilings) {
                        Proc.CpuWindow baseCpu = cpuWindow(ceiling.process().pid(), natsPid);
                        LoadDriver.Cell b = new LoadDriver(use, ceiling.subject(), ipPayloads(addresses), Duration.ofSeconds(10))
                                .run(ceiling.name(), c, warmup, measure, maxSamples, baseCpu::begin, baseCpu::end);
                        cell(b, baseCpu);
                        Report.Row r = requestRow(section, ceiling.name(), b, baseCpu, "", "", "", cells);
                        r.data().put("connections", connections);
                        report.add(r);
                        base.put(ceiling.name(), b);
                    }
                    Proc.CpuWindow cpu = cpuWindow(app.jvmPid(), natsPid);
                    boolean last = c == concurrencies[concurrencies.length - 1] && connections == lastConnections;
                    Proc.RssSampler rss = last ? new Proc.RssSampler(Map.of("jvm", app.jvmPid(), "nats", natsPid)) : null;
                    LoadDriver.Cell cell;
                    try {
                        cell = new LoadDriver(use, IPLOCATION, ipPayloads(addresses), Duration.ofSeconds(10))
                                .run("iplocation", c, warmup, measure, maxSamples, cpu::begin, cpu::end);
                    } finally {
                        if (rss != null) {
                            rss.close();
                            rssOut[0] = rss.peak("jvm");
                            rssOut[1] = rss.peak("nats");
                        }
                    }
                    cell(cell, cpu);
                    LoadDriver.Cell java = base.get("ceiling (Java)");
                    double rate = ratio(cell.perSecond(), java.perSecond());
                    double p99 = p99Ratio(cell, java);
                    List<String> missed = new ArrayList<>();
                    if (rate < TARGET_RATE_RATIO) {
                        missed.add("rate");
                    }
                    if (p99 > TARGET_P99_RATIO) {
                        missed.add("p99");
                    }
                    if (cell.errors() > 0 || base.values().stream().anyMatch(b -> b.errors() > 0)) {
                        missed.add("errors");
                    }
                    String vs = "Java " + f2(rate) + "x, " + f2(p99) + "x";
                    LoadDriver.Cell go = base.get("ceiling (Go)");
                    Double goRate = null;
                    Double goP99 = null;
                    if (go != null) {
                        goRate = ratio(cell.perSecond(), go.perSecond());
                        goP99 = p99Ratio(cell, go);
                        vs += "; Go " + f2(goRate) + "x, " + f2(goP99) + "x";
                    }
                    String result = missed.isEmpty() ? PASS : MISS + " (" + String.join(", ", missed) + ")";
                    Report.Row r = requestRow(section, "kiam-ms", cell, cpu, vs,
                            ">= 0.80x rate, <= 1.50x p99 (Java)", result, cells);
                    r.data().put("connections", connections);
                    r.data().put("rateRatio", rate);
                    r.data().put("p99Ratio", p99);
                    r.data().put("goRateRatio", goRate);
                    r.data().put("goP99Ratio", goP99);
                    report.add(r);
                }
            }
        } finally {
            for (Connection nc : clients) {
                nc.close();
            }
            for (Ceiling ceiling : ceilings) {
                stopResponder(ceiling.process());
            }
        }
    }

    /** A prewarm slice in which the JIT compilers use under this share of one CPU counts as settled. */
    static final double JIT_SETTLED_SHARE = 0.05;
    static final Duration PREWARM_SLICE = Duration.ofSeconds(2);

    /**
     * Sends with 16 requests outstanding for --warmup, then on until the JIT compilers of the
     * answering process use under 5% of a CPU over a 2 s slice (at most --settle seconds), so that
     * the cells measure a long-running appliance, not the compiler catching up: on 2 cores one C2
     * thread still spends most of a CPU on the mail path 20 s after the first mail.
     */
    private void prewarm(LoadDriver driver, long pid, String what) throws InterruptedException {
        long start = System.nanoTime();
        driver.run("prewarm", 16, Duration.ZERO, warmup, maxSamples);
        long limit = start + settleMax.toNanos();
        boolean jit = Proc.compilerCpuMicros(pid) >= 0;
        double share = jit ? 1 : 0;
        while (share >= JIT_SETTLED_SHARE && System.nanoTime() < limit) {
            long compiler0 = Proc.compilerCpuMicros(pid);
            long t0 = System.nanoTime();
            driver.run("prewarm", 16, Duration.ZERO, PREWARM_SLICE, maxSamples);
            share = (Proc.compilerCpuMicros(pid) - compiler0) * 1000.0 / (System.nanoTime() - t0);
        }
        double took = (System.nanoTime() - start) / 1e9;
        String how = !jit ? "no JIT to wait for"
                : share < JIT_SETTLED_SHARE ? "until its JIT compilers used under " + f0(JIT_SETTLED_SHARE * 100)
                        + "% of a CPU for " + PREWARM_SLICE.toSeconds() + " s"
                : "and its JIT compilers still used " + f0(share * 100) + "% of a CPU (--settle " + settleMax.toSeconds() + " s)";
        report.note(String.format(Locale.ROOT, "prewarm of %s: %.0f s, %s", what, took, how));
        System.err.printf(Locale.ROOT, "bench: prewarm of %s took %.0f s%n", what, took);
    }

    private static double ratio(double a, double b) {
        return b == 0 ? 0 : a / b;
    }

    /** kiam-ms's p99 over a ceiling's; infinite when the ceiling measured none. */
    private static double p99Ratio(LoadDriver.Cell kiamMs, LoadDriver.Cell ceiling) {
        return ceiling.p99us() == 0 ? Double.POSITIVE_INFINITY : kiamMs.p99us() / ceiling.p99us();
    }

    /** @param outbox where kiam-ms writes the mails when it has no MTA; null: it mails the SMTP sink */
    @SuppressWarnings("try") // jnats Connection.close() may throw InterruptedException, which these methods declare
    private void mail(Installed.Running app, Path outbox) throws Exception {
        Map<String, String> creds = installed.credentials();
        try (Connection nc = connectKiam(creds.get("kiam"))) {
            // A fresh address per mail, over all runs: the per-recipient limit (5 in 10 minutes by
            // default) is checked for each, as in production, and never refuses one.
            java.util.concurrent.atomic.AtomicLong addresses = new java.util.concurrent.atomic.AtomicLong();
            LongFunction<Object> payloads = seq -> new VerifyEmailRequest("Verify your email address", "bench-user",
                    "Bench User <bench-" + addresses.getAndIncrement() + "@example.com>",
                    "https://iam.example.com/verify?token=" + Long.toHexString(seq * 2654435761L), "en-us", "in 30 minutes");
            LoadDriver driver = new LoadDriver(nc, SENDVERIFYEMAIL, payloads, Duration.ofSeconds(30));
            prewarm(driver, app.jvmPid(), "kiam-ms sendverifyemail" + (outbox != null ? " into the outbox" : ""));
            long natsPid = app.natsServerPid();
            for (int c : mailConcurrencies) {
                if (outbox != null) {
                    long files0 = countFiles(outbox);
                    Proc.CpuWindow cpu = cpuWindow(app.jvmPid(), natsPid);
                    LoadDriver.Cell cell = driver.run("sendverifyemail", c, warmup, measure, maxSamples, cpu::begin, cpu::end);
                    long files = countFiles(outbox) - files0;
                    cell(cell, cpu);
                    boolean judged = c == 16;
                    String result = judged ? verdict(cell.perSecond() >= TARGET_OUTBOX_MAILS_PER_S && cell.errors() == 0) : "";
                    Report.Row r = requestRow("sendverifyemail -> outbox files", "kiam-ms", cell, cpu, "",
                            judged ? ">= 1000 mails/s at C=16" : "", result);
                    r.data().put("outboxFiles", files);
                    report.add(r);
                    report.note(String.format(Locale.ROOT, "sendverifyemail into the outbox C=%d: %d .eml files written"
                            + " (warm-up included)", c, files));
                    continue;
                }
                long mails0 = sink.messages();
                long sessions0 = sink.sessions();
                Proc.CpuWindow cpu = cpuWindow(app.jvmPid(), natsPid);
                LoadDriver.Cell cell = driver.run("sendverifyemail", c, warmup, measure, maxSamples, cpu::begin, cpu::end);
                Thread.sleep(200);
                long mails = sink.messages() - mails0;
                long sessions = sink.sessions() - sessions0;
                int open = sink.openConnections();
                cell(cell, cpu);
                boolean judged = c == 16;
                String result = judged ? verdict(cell.perSecond() >= TARGET_MAILS_PER_S && cell.errors() == 0) : "";
                Report.Row r = requestRow("sendverifyemail -> SMTP sink", "kiam-ms", cell, cpu, "",
                        judged ? ">= 500 mails/s at C=16" : "", result);
                r.data().put("sinkMails", mails);
                r.data().put("sinkSessionsEnded", sessions);
                r.data().put("smtpConnectionsOpenAfter", open);
                report.add(r);
                report.note(String.format(Locale.ROOT, "sendverifyemail C=%d: the sink took %d mails and saw %d SMTP sessions end "
                        + "(warm-up included: %.3f per mail); %d SMTP connections open after the cell", c, mails, sessions,
                        mails == 0 ? 0.0 : (double) sessions / mails, open));
            }
        }
    }

    /** Publishes N audits at once, as fast as one connection can, and waits for N mails in the sink. */
    @SuppressWarnings("try") // jnats Connection.close() may throw InterruptedException, which these methods declare
    private void audits(Installed.Running app, String durability) throws Exception {
        int n = Integer.parseInt(opts.getOrDefault("audits", "1000"));
        Map<String, String> creds = installed.credentials();
        EnvelopeCodec codec = new EnvelopeCodec();
        MicroClock clock = MicroClock.system();
        long natsPid = app.natsServerPid();
        try (Connection nc = connectKiam(creds.get("kiam"))) {
            long base = sink.messages();
            Proc.CpuWindow cpu = cpuWindow(app.jvmPid(), natsPid);
            cpu.begin();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                AccountAddEmailAudit a = new AccountAddEmailAudit("new-" + i + "@example.com", "bench-user",
                        "https://iam.example.com", "en-us", List.of("owner-" + i + "@example.com"),
                        "A new email address was added to your account");
                nc.publish(ACCOUNTADDEMAIL, codec.encodeEnvelope(ProtocolVersion.SERVER.toString(), clock.nowMicros(),
                        KrossIamClient.newReqid(), a));
            }
            nc.flush(Duration.ofSeconds(10));
            double publishSeconds = (System.nanoTime() - t0) / 1e9;
            long last = base;
            long lastChange = System.nanoTime();
            long hardEnd = t0 + TimeUnit.SECONDS.toNanos(90);
            while (last - base < n && System.nanoTime() - lastChange < TimeUnit.SECONDS.toNanos(10)
                    && System.nanoTime() < hardEnd) {
                Thread.sleep(5);
                long m = sink.messages();
                if (m != last) {
                    last = m;
                    lastChange = System.nanoTime();
                }
            }
            cpu.end();
            other("audits", cpu);
            long delivered = last - base;
            double seconds = (lastChange - t0) / 1e9;
            double rate = seconds > 0 ? delivered / seconds : 0;
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("published", n);
            data.put("publishSeconds", publishSeconds);
            data.put("delivered", delivered);
            data.put("seconds", seconds);
            data.put("perSecond", rate);
            data.put("cpuMicrosPerAudit", cpu.perUnit(delivered));
            int dropped = countLogLines(installed.home.resolve("data/logs"), "dropped");
            data.put("logLinesDropped", dropped);
            data.put("durability", durability);
            report.cells.add(Map.of("scenario", "audit accountaddemail burst, " + durability, "figures", data));
            Map<String, Double> per = cpu.perUnit(delivered);
            report.add(new Report.Row("audits (accountaddemail -> sink), " + durability, "burst of " + n + " published in "
                    + f2(publishSeconds) + " s", f0(rate) + " audits/s", "", "", "", "",
                    cpuText(per), "all " + n + " mailed",
                    delivered == n ? PASS : MISS + " (" + (n - delivered) + " lost)", data));
            report.note(String.format(Locale.ROOT, "audits, %s: %d of %d mailed, last one %.2f s after the first publish;"
                    + " %d 'dropped' lines in the kiam-ms log", durability, delivered, n, seconds, dropped));
        }
    }

    private void startupPhase() throws Exception {
        int runs = Integer.parseInt(opts.getOrDefault("starts", "5"));
        Path config = config("startup", testDb);
        List<Double> starts = new ArrayList<>();
        List<Double> selfReported = new ArrayList<>();
        List<Double> statuses = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            try (Installed.Running app = installed.start(config, null, "startup")) {
                starts.add(app.startToReadyMs);
                selfReported.add(readyIn(app.readyLine));
                if (i == 0) {
                    for (int k = 0; k < runs; k++) {
                        statuses.add(installed.statusMillis(config));
                    }
                }
            }
        }
        double start = median(starts);
        double status = median(statuses);
        String s = "start-up";
        report.add(row(s, "kiam-ms start -> ready line (median of " + runs + ")", f0(start) + " ms", "<= 1500 ms",
                verdict(start <= TARGET_START_MS), Map.of("medianMs", start, "runsMs", starts,
                        "selfReportedReadyInMs", selfReported, "earlierPhaseStartsMs", phaseStarts)));
        report.add(row(s, "kiam-ms status wall time (median of " + runs + ")", f0(status) + " ms", "<= 500 ms",
                verdict(status <= TARGET_STATUS_MS), Map.of("medianMs", status, "runsMs", statuses)));
        report.note("start -> ready: wall time from spawning bin/kiam-ms start to reading its ready line; runs "
                + fmtList(starts) + " ms; kiam-ms' own 'ready in' figures " + fmtList(selfReported) + " ms; status runs "
                + fmtList(statuses) + " ms");
    }

    // ---- pieces -------------------------------------------------------------------------------

    private Path config(String name, Path db) throws IOException {
        return config(name, db, null);
    }

    private Path config(String name, Path db, String syncInterval) throws IOException {
        return config(name, db, syncInterval, true, "");
    }

    /**
     * @param syncInterval broker.jetstream.sync_interval, or null for kiam-ms's default (always)
     * @param toSink       mail the SMTP sink; false: no MTA, so mail goes to the outbox directory
     * @param more         top-level sections this phase adds (e.g. channels and routes)
     */
    private Path config(String name, Path db, String syncInterval, boolean toSink, String more) throws IOException {
        StringBuilder y = new StringBuilder();
        y.append("broker:\n  port: ").append(brokerPort).append("\n  monitor_port: ").append(monitorPort).append('\n');
        if (syncInterval != null) {
            y.append("  jetstream:\n    sync_interval: ").append(syncInterval).append('\n');
        }
        y.append("geoip:\n  path: \"").append(db.toAbsolutePath()).append("\"\n");
        // A port of its own: other appliances on this machine may hold the default 8223.
        y.append("health:\n  port: ").append(freePort()).append('\n');
        if (toSink) {
            y.append("mail:\n  mtas:\n    - name: sink\n      host: 127.0.0.1\n      port: ").append(sink.port())
                    .append("\n      ssl: false\n      sender: noreply@example.com\n");
        }
        y.append(more);
        if (opts.containsKey("extra-yaml")) {
            // Experiments: more top-level keys (not broker, geoip or mail), e.g. service.dedup.
            y.append(Files.readString(Path.of(opts.get("extra-yaml"))));
        }
        report.settings.putIfAbsent("kiamMsConfig", y.toString());
        return installed.writeConfig(name, y.toString());
    }

    /** With --jfr: where kiam-ms records this phase (on the harness's JDK: the image has no jdk.jfr). */
    private Path jfrOpts(String label) {
        return jfr ? out.resolve("kiam-ms-" + label + ".jfr") : null;
    }

    private Connection connectKiam(String password) throws IOException, InterruptedException {
        return Nats.connect(KrossIamClient.options("nats://kiam:" + password + "@127.0.0.1:" + brokerPort).build());
    }

    /** The ceiling responder, on the appliance's own runtime with the launcher's JVM options. */
    private Process startResponder(String mssPassword) throws IOException, InterruptedException {
        Path benchClasses = Path.of(URIish(Bench.class.getProtectionDomain().getCodeSource().getLocation()));
        String cp = benchClasses + File.pathSeparator + installed.home.resolve("lib") + File.separator + "*";
        List<String> cmd = new ArrayList<>();
        cmd.add(installed.home.resolve("runtime/bin/java").toString());
        cmd.addAll(installed.launcherOptions());
        cmd.addAll(List.of("-cp", cp, CeilingResponder.class.getName(),
                "nats://127.0.0.1:" + brokerPort, "mss", mssPassword, CEILING, "kiam-ms"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(workDir.resolve("responder.err").toFile());
        Process p = pb.start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (!"ready".equals(line)) {
            p.destroyForcibly();
            throw new IOException("ceiling responder did not start: " + Files.readString(workDir.resolve("responder.err")));
        }
        return p;
    }

    /** The Go ceiling: the broker's own client library, no JVM. */
    private Process startGoResponder(String mssPassword) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(goCeiling.toString(), "nats://127.0.0.1:" + brokerPort, "mss", mssPassword,
                CEILING_GO, "kiam-ms");
        pb.redirectError(workDir.resolve("responder-go.err").toFile());
        Process p = pb.start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        if (!"ready".equals(r.readLine())) {
            p.destroyForcibly();
            throw new IOException("Go ceiling responder did not start: " + Files.readString(workDir.resolve("responder-go.err")));
        }
        return p;
    }

    private static String URIish(java.net.URL url) {
        try {
            return Path.of(url.toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            return url.getPath();
        }
    }

    private static void stopResponder(Process p) throws InterruptedException {
        try (OutputStream in = p.getOutputStream()) {
            in.flush();
        } catch (IOException ignored) {
            // gone already
        }
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    private SmtpSink startSink() throws IOException, InterruptedException {
        String bin = opts.get("smtp-sink");
        if (opts.containsKey("java-sink")) {
            report.note("--java-sink: the in-harness Java SMTP sink was used");
        } else if (bin != null && !bin.isBlank()) {
            try {
                return SmtpSink.Postfix.start(Path.of(bin), Path.of(opts.get("smtp-sink-lib")), workDir, freePort());
            } catch (IOException e) {
                report.note("postfix smtp-sink could not run (" + e.getMessage() + "); the in-harness Java sink was used");
            }
        } else {
            report.note("no postfix smtp-sink given (--smtp-sink); the in-harness Java sink was used");
        }
        return new SmtpSink.InProcess();
    }

    private Proc.CpuWindow cpuWindow(long serverPid, long natsPid) {
        Map<String, Long> pids = new LinkedHashMap<>();
        pids.put("server", serverPid);
        pids.put("nats", natsPid);
        pids.put("client", ProcessHandle.current().pid());
        sink.pid().ifPresent(p -> pids.put("sink", p));
        return new Proc.CpuWindow(pids);
    }

    /** Remembers how busy the rest of the machine was during a cell. */
    private void other(String what, Proc.CpuWindow cpu) {
        double other = cpu.otherPercent();
        double steal = cpu.stealPercent();
        maxOther = Math.max(maxOther, other);
        maxSteal = Math.max(maxSteal, steal);
        if (other > OTHER_CPU_WARN_PERCENT || steal > OTHER_CPU_WARN_PERCENT) {
            busyCells.add(what + " (other " + f0(other) + "%, steal " + f0(steal) + "%)");
        }
    }

    private void cell(LoadDriver.Cell cell, Proc.CpuWindow cpu) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cell", cell);
        m.put("cpuMicrosPerRequest", cpu.perUnit(cell.count()));
        m.put("cpuPercentOfOneCore", cpu.percent());
        m.put("otherProcessesCpuPercent", cpu.otherPercent());
        m.put("irqCpuPercent", cpu.irqPercent());
        m.put("stealCpuPercent", cpu.stealPercent());
        report.cells.add(m);
        other(cell.scenario() + " C=" + cell.concurrency(), cpu);
        System.err.printf(Locale.ROOT, "bench:   %-22s C=%-3d %9.0f/s p50 %s p99 %s p99.9 %s ms, %d errors%s; cpu us/op %s; "
                        + "other processes %.0f%%, irq %.0f%%, steal %.0f%%%n",
                cell.scenario(), cell.concurrency(), cell.perSecond(), ms(cell.p50us()), ms(cell.p99us()),
                ms(cell.p999us()), cell.errors(), cell.firstError() == null ? "" : " (" + cell.firstError() + ")",
                cpuText(cpu.perUnit(cell.count())), cpu.otherPercent(), cpu.irqPercent(), cpu.stealPercent());
    }

    private Report.Row requestRow(String section, String who, LoadDriver.Cell cell, Proc.CpuWindow cpu, String vs,
                                  String target, String result) {
        return requestRow(section, who, cell, cpu, vs, target, result, String.valueOf(cell.concurrency()));
    }

    /** @param cells how the row names its load: "16", or "16, 6 connections" */
    private Report.Row requestRow(String section, String who, LoadDriver.Cell cell, Proc.CpuWindow cpu, String vs,
                                  String target, String result, String cells) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("concurrency", cell.concurrency());
        data.put("perSecond", cell.perSecond());
        data.put("p50Ms", cell.p50us() / 1000);
        data.put("p99Ms", cell.p99us() / 1000);
        data.put("p999Ms", cell.p999us() / 1000);
        data.put("count", cell.count());
        data.put("errors", cell.errors());
        data.put("cpuMicrosPerRequest", cpu.perUnit(cell.count()));
        String unit = cell.scenario().equals("sendverifyemail") ? " mails/s" : " req/s";
        String errors = cell.errors() == 0 ? "" : " (" + cell.errors() + " errors)";
        return new Report.Row(section, who + " C=" + cells, f0(cell.perSecond()) + unit + errors,
                ms(cell.p50us()), ms(cell.p99us()), ms(cell.p999us()), vs, cpuText(cpu.perUnit(cell.count())), target,
                result, data);
    }

    private static Report.Row row(String section, String measurement, String value, String target, String result,
                                  Map<String, Object> data) {
        return new Report.Row(section, measurement, value, "", "", "", "", "", target, result, new LinkedHashMap<>(data));
    }

    private void rssRows(String s, String label, Proc.Rss[] rss) {
        if (rss[0] == null) {
            return;
        }
        long jvm = rss[0].vmRssKb() * 1024;
        long nats = rss[1].vmRssKb() * 1024;
        report.add(row(s, "kiam-ms JVM VmRSS, iplocation C=" + concurrencies[concurrencies.length - 1] + ", " + label,
                mb(jvm) + " (anon " + mb(rss[0].anonKb() * 1024) + ", file " + mb(rss[0].fileKb() * 1024) + ")",
                "<= 150 MB", verdict(jvm <= TARGET_JVM_RSS_BYTES),
                Map.of("vmRssBytes", jvm, "rssAnonBytes", rss[0].anonKb() * 1024, "rssFileBytes", rss[0].fileKb() * 1024)));
        report.add(row(s, "nats-server VmRSS, same load, " + label, mb(nats), "", "",
                Map.of("vmRssBytes", nats, "rssAnonBytes", rss[1].anonKb() * 1024, "rssFileBytes", rss[1].fileKb() * 1024)));
    }

    private static String cpuText(Map<String, Double> per) {
        return f1(per.getOrDefault("server", 0.0)) + " / " + f1(per.getOrDefault("nats", 0.0)) + " / "
                + f1(per.getOrDefault("client", 0.0));
    }

    private static String verdict(boolean ok) {
        return ok ? PASS : MISS;
    }

    private LongFunction<Object> ipPayloads(String[] addresses) {
        return seq -> new IpLocationRequest(addresses[(int) (seq % addresses.length)],
                LOCALES[(int) ((seq / addresses.length) % LOCALES.length)]);
    }

    private static String[] testDbAddresses() {
        return TEST_DB_ADDRESSES;
    }

    /**
     * A spread of public IPv4 addresses (fixed seed, reserved and private ranges excluded) that the
     * full database places in a country, so that every request does a real lookup.
     */
    private String[] fullDbAddresses() throws Exception {
        int want = Integer.parseInt(opts.getOrDefault("full-db-addresses", "10000"));
        Random random = new Random(20261123L);
        List<String> found = new ArrayList<>(want);
        try (DatabaseReader reader = new DatabaseReader.Builder(fullDb.toFile()).build()) {
            for (int tries = 0; found.size() < want && tries < want * 20; tries++) {
                byte[] b = new byte[4];
                random.nextBytes(b);
                if (!publicIpv4(b[0] & 0xff, b[1] & 0xff, b[2] & 0xff)) {
                    continue;
                }
                InetAddress a = InetAddress.getByAddress(b);
                Optional<CityResponse> r = reader.tryCity(a);
                if (r.isPresent() && r.get().country() != null && r.get().country().name() != null) {
                    found.add(a.getHostAddress());
                }
            }
        }
        report.settings.put("fullDbAddresses", found.size());
        return found.toArray(String[]::new);
    }

    static boolean publicIpv4(int a, int b, int c) {
        return !(a == 0 || a == 10 || a == 127 || a >= 224
                || (a == 100 && b >= 64 && b <= 127)
                || (a == 169 && b == 254)
                || (a == 172 && b >= 16 && b <= 31)
                || (a == 192 && b == 0 && (c == 0 || c == 2))
                || (a == 192 && b == 88 && c == 99)
                || (a == 192 && b == 168)
                || (a == 198 && (b == 18 || b == 19))
                || (a == 198 && b == 51 && c == 100)
                || (a == 203 && b == 0 && c == 113));
    }

    private void machine(Path archive) throws IOException {
        Map<String, Object> m = report.machine;
        m.put("nproc", Runtime.getRuntime().availableProcessors());
        m.put("cpu", Proc.cpuModel());
        m.put("memory", String.format(Locale.ROOT, "%.1f GB", Proc.memTotalKb() * 1024 / 1e9));
        m.put("kernel", Installed.output(List.of("uname", "-r")));
        String runtimeJava = Installed.output(List.of(installed.home.resolve("runtime/bin/java").toString(), "-version"))
                .lines().findFirst().orElse("?");
        m.put("java (kiam-ms)", runtimeJava + " (jlink image in the archive)");
        m.put("java (harness)", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("nats-server", Installed.output(List.of(installed.home.resolve("bin/nats-server").toString(), "--version")));
        m.put("archive", archive.getFileName().toString());
    }

    private static double readyIn(String line) {
        int i = line.indexOf(" ready in ");
        String rest = line.substring(i + " ready in ".length());
        return Double.parseDouble(rest.substring(0, rest.indexOf(' ')));
    }

    private static long countFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".eml")).count();
        }
    }

    private static int countLogLines(Path dir, String needle) {
        int n = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("kiam-ms")).toList()) {
                try (Stream<String> lines = Files.lines(f, StandardCharsets.UTF_8)) {
                    n += (int) lines.filter(l -> l.contains(needle)).count();
                } catch (java.io.UncheckedIOException | IOException e) {
                    // a log being rotated: count what we can
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return n;
    }

    private static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static String fmtList(List<Double> xs) {
        return xs.stream().map(x -> f0(x)).reduce((a, b) -> a + ", " + b).orElse("");
    }

    private static long treeSize(Path dir) throws IOException {
        long[] total = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    total[0] += attrs.size();
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp files; the OS cleans up eventually
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    private String required(String key) {
        String v = opts.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }
}
