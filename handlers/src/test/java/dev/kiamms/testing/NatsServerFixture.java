package dev.kiamms.testing;

import dev.kiamms.bus.QuietErrorListener;

import io.nats.NatsServerRunner;
import io.nats.Output;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real nats-server process on 127.0.0.1 and a free port, for tests that need the broker itself
 * rather than a stand-in. Started with {@link #start()} or {@link #start(String)} (nats-server
 * configuration text), stopped and verified gone by {@link #close()}.
 *
 * <p>The binary is found through env {@code NATS_SERVER_BIN}, then
 * {@code <kiamms.root>/.cache/nats-server/nats-server}, then {@code nats-server} on PATH.
 *
 * <p>jnats-server-runner launches the process; its own config handling is bypassed (it rewrites
 * every line containing {@code port:}) by passing {@code --config} ourselves, and its readiness
 * check is skipped in favour of a faster probe, see {@link #awaitReady}.
 */
public final class NatsServerFixture implements AutoCloseable {

    public static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger LOG = Logger.getLogger("kiamms.test.nats-server");

    private final Path binary;
    private final int port;
    private final List<String> extraArgs;
    private final Path workDir;
    private final Path configFile;
    private final CollectedOutput output = new CollectedOutput();

    private NatsServerRunner runner;
    private ProcessHandle process;

    private NatsServerFixture(Path binary, int port, String configText, List<String> extraArgs) throws IOException {
        this.binary = binary;
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        this.workDir = createPrivateDirectory();
        if (configText == null) {
            this.configFile = null;
        } else {
            // Configurations hold passwords: readable by the owner only, like the real one.
            this.configFile = createPrivateFile(workDir.resolve("nats-server.conf"));
            Files.writeString(configFile, configText, StandardCharsets.UTF_8);
        }
    }

    /** A server with nats-server's defaults (no authentication). */
    public static NatsServerFixture start() throws IOException {
        return start(null, List.of());
    }

    /** A server with this configuration text; {@code listen}, {@code host} and {@code port} in it are overridden. */
    public static NatsServerFixture start(String configText) throws IOException {
        return start(configText, List.of());
    }

    /** @param extraArgs further nats-server command-line arguments, e.g. {@code List.of("-DV")} */
    public static NatsServerFixture start(String configText, List<String> extraArgs) throws IOException {
        NatsServerFixture fixture = new NatsServerFixture(findBinary(), FreePorts.next(), configText, extraArgs);
        try {
            fixture.launch();
        } catch (IOException | RuntimeException e) {
            fixture.deleteWorkDir();
            throw e;
        }
        return fixture;
    }

    /** The nats-server binary the fixture runs; fails with a message saying how to provide one. */
    public static Path findBinary() {
        String env = System.getenv("NATS_SERVER_BIN");
        if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) {
            return Path.of(env);
        }
        String root = System.getProperty("kiamms.root");
        if (root != null && !root.isBlank()) {
            Path cached = Path.of(root, ".cache", "nats-server", "nats-server");
            if (Files.isExecutable(cached)) {
                return cached;
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nats-server"))) {
                    return Path.of(dir, "nats-server");
                }
            }
        }
        throw new IllegalStateException("no nats-server binary: set NATS_SERVER_BIN, run scripts/fetch-nats-server"
                + " (kiamms.root=" + root + ") or put nats-server on PATH");
    }

    public String url() {
        return "nats://" + HOST + ":" + port;
    }

    /** The URL with credentials, as KrossIAM's config carries them; user and password must not need escaping. */
    public String url(String user, String password) {
        return "nats://" + user + ":" + password + "@" + HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public Path binary() {
        return binary;
    }

    public Optional<Path> configFile() {
        return Optional.ofNullable(configFile);
    }

    /** The running server process; throws when stopped. */
    public synchronized ProcessHandle process() {
        if (process == null) {
            throw new IllegalStateException("nats-server on port " + port + " is not running");
        }
        return process;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** What the server printed so far (the last few hundred lines): for assertion messages. */
    public List<String> output() {
        return output.lines();
    }

    /** Connection options for this server with a quiet error listener. */
    public Options.Builder options() {
        return options(url());
    }

    /** Connection options for {@code serverUrl}, e.g. {@link #url(String, String)} with credentials. */
    public Options.Builder options(String serverUrl) {
        return new Options.Builder()
                .server(serverUrl)
                .connectionTimeout(Duration.ofSeconds(5))
                .errorListener(new QuietErrorListener("kiamms.test.client"));
    }

    public Connection connect() throws IOException, InterruptedException {
        return Nats.connect(options().build());
    }

    /** Stops the server and waits until its process is gone; {@link #restart()} brings it back on the same port. */
    public synchronized void stop() {
        if (runner == null) {
            return;
        }
        ProcessHandle p = process;
        p.destroy(); // SIGTERM: nats-server closes its clients and exits
        if (!awaitExit(p, STOP_TIMEOUT)) {
            p.destroyForcibly();
            if (!awaitExit(p, STOP_TIMEOUT)) {
                // Do not call runner.close(): it waits for the process without a bound.
                throw new IllegalStateException("nats-server pid " + p.pid() + " on port " + port + " survived SIGKILL");
            }
        }
        try {
            runner.close(); // the process has exited: this only reaps it and ends the output reader
        } catch (Exception e) {
            LOG.log(Level.FINE, "runner close: " + e.getMessage(), e);
        }
        runner = null;
        process = null;
        if (p.isAlive()) {
            throw new IllegalStateException("nats-server pid " + p.pid() + " still alive after stop");
        }
    }

    /** Starts the server again on the same port with the same configuration (after {@link #stop()}, or as a restart). */
    public synchronized void restart() throws IOException {
        stop();
        launch();
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            deleteWorkDir();
        }
    }

    private synchronized void launch() throws IOException {
        Set<Long> before = childPids();
        List<String> args = new ArrayList<>(List.of("-a", HOST));
        if (configFile != null) {
            args.add("--config");
            args.add(configFile.toString());
        }
        args.addAll(extraArgs);
        try {
            runner = NatsServerRunner.builder()
                    .executablePath(binary)
                    .port(port)
                    .customArgs(args)
                    .output(output)
                    .skipConnectValidate()
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new IOException("nats-server did not start on port " + port + ": " + e.getMessage()
                    + "\nserver output:\n" + String.join("\n", output.lines()), e);
        }
        try {
            process = findProcess(before);
        } catch (IOException e) {
            // Usually the server exited at once (a configuration it refuses): give its reasons.
            closeRunnerBounded();
            throw new IOException(e.getMessage() + "; it probably exited at once\nserver output:\n"
                    + String.join("\n", output.lines()), e);
        }
        try {
            awaitReady();
        } catch (IOException | RuntimeException e) {
            stop();
            throw e;
        }
    }

    /**
     * Waits until the server sends its INFO line to a new client. That is the moment it accepts
     * clients; unlike a jnats connect it works whatever authentication the configuration demands,
     * and it notices at once when the process died (a bad configuration) instead of timing out.
     */
    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("nats-server exited during start-up on port " + port
                        + "\nserver output:\n" + String.join("\n", output.lines()));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, port), 1_000);
                socket.setSoTimeout(2_000);
                String first = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                if (first != null && first.startsWith("INFO ")) {
                    return;
                }
                last = new IOException("unexpected greeting: " + first);
            } catch (IOException e) {
                last = e;
            }
            sleep(20);
        }
        throw new IOException("nats-server on port " + port + " not ready within " + START_TIMEOUT.toSeconds()
                + " s (last: " + (last == null ? "-" : last.getMessage()) + ")\nserver output:\n"
                + String.join("\n", output.lines()));
    }

    /** The runner keeps its Process to itself: find ours among this JVM's children by its --port argument. */
    private ProcessHandle findProcess(Set<Long> before) throws IOException {
        List<ProcessHandle> fresh = ProcessHandle.current().children()
                .filter(p -> !before.contains(p.pid()))
                .collect(Collectors.toList());
        String portText = Integer.toString(port);
        for (ProcessHandle p : fresh) {
            String[] a = p.info().arguments().orElse(new String[0]);
            for (int i = 0; i + 1 < a.length; i++) {
                if (a[i].equals("--port") && a[i + 1].equals(portText)) {
                    return p;
                }
            }
        }
        // Platforms without argument lists: the one new nats-server child is ours.
        List<ProcessHandle> named = fresh.stream()
                .filter(p -> p.info().command().map(c -> c.endsWith("nats-server")).orElse(false))
                .collect(Collectors.toList());
        if (named.size() == 1) {
            return named.get(0);
        }
        throw new IOException("started nats-server on port " + port + " but cannot find its process among "
                + fresh.size() + " new child processes");
    }

    /** runner.close() waits for its process without a bound: never let that hang a test run. */
    private void closeRunnerBounded() {
        NatsServerRunner r = runner;
        runner = null;
        Thread closer = new Thread(() -> {
            try {
                r.close();
            } catch (Exception e) {
                LOG.log(Level.FINE, "runner close: " + e.getMessage(), e);
            }
        }, "nats-server-runner-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(STOP_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Set<Long> childPids() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    private static boolean awaitExit(ProcessHandle p, Duration timeout) {
        try {
            p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !p.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for nats-server", e);
        }
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    private static Path createPrivateDirectory() throws IOException {
        return posix()
                ? Files.createTempDirectory("kiamms-nats-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
                : Files.createTempDirectory("kiamms-nats-");
    }

    private static Path createPrivateFile(Path file) throws IOException {
        FileAttribute<?>[] attrs = posix()
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        return Files.createFile(file, attrs);
    }

    private void deleteWorkDir() {
        try (Stream<Path> walk = Files.walk(workDir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.fine(() -> "cannot delete " + workDir + ": " + e.getMessage());
        }
    }

    /** Keeps the server's recent output for failure messages and passes it to a logger at FINE. */
    private static final class CollectedOutput implements Output {
        private static final int MAX_LINES = 400;
        private final Deque<String> lines = new ArrayDeque<>();

        List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        private void add(String line) {
            synchronized (lines) {
                if (lines.size() == MAX_LINES) {
                    lines.removeFirst();
                }
                lines.addLast(line);
            }
            LOG.fine(line);
        }

        @Override
        public void setLevel(Level level) {
            // everything is kept; the logger's level decides what is shown
        }

        @Override
        public void error(Supplier<String> msg) {
            add(msg.get());
        }

        @Override
        public void error(String msg) {
            add(msg);
        }

        @Override
        public void warning(Supplier<String> msg) {
            add(msg.get());
        }

        @Override
        public void warning(String msg) {
            add(msg);
        }

        @Override
        public void info(Supplier<String> msg) {
            add(msg.get());
        }

        @Override
        public void info(String msg) {
            add(msg);
        }

        @Override
        public boolean isLogger() {
            return false;
        }

        @Override
        public Logger getLogger() {
            return LOG;
        }
    }
}
