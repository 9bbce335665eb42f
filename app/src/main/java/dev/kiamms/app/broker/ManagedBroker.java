package dev.kiamms.app.broker;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.util.Processes;

import io.nats.NatsServerRunner;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * The nats-server process kiam-ms runs for itself, started through jnats-server-runner with the
 * configuration file in the data directory (passed as an argument, so the runner makes no copy of
 * it and the passwords stay in the owner-only file).
 */
public final class ManagedBroker {

    private static final Logger LOG = Logger.getLogger("kiamms.broker");

    private final Path binary;
    private final Path configFile;
    private final Path pidFile;
    private final Path logFile;
    private final String host;
    private final int port;
    private final int monitorPort;
    private final BrokerOutput output = new BrokerOutput();
    private volatile ProcessHandle process;

    public ManagedBroker(Path binary, Path configFile, BrokerConfigWriter.BrokerLayout layout) {
        this.binary = binary;
        this.configFile = configFile;
        this.pidFile = layout.pidFile();
        this.logFile = layout.logFile();
        this.host = layout.host();
        this.port = layout.port();
        this.monitorPort = layout.monitorPort();
    }

    /**
     * Starts nats-server and waits until it accepts connections.
     *
     * @throws KiamMsException with a one-line reason when it cannot start
     */
    public void start(Duration timeout) {
        requireFree(host, port, "broker.port");
        requireFree("127.0.0.1", monitorPort, "broker.monitor_port");
        long logSizeBefore = sizeOf(logFile);
        try {
            NatsServerRunner.builder()
                    .executablePath(binary)
                    .port(port)
                    .customArgs(new String[]{"--config", configFile.toString()})
                    // Readiness is checked below against the real listener; the runner's own
                    // check costs seconds (see LIBRARIES.md).
                    .skipConnectValidate()
                    .processCheckWait(20L)
                    .processCheckTries(1)
                    .output(output)
                    .build();
        } catch (IOException e) {
            throw new KiamMsException(KiamMsException.FAILURE, "cannot run " + binary + ": " + e.getMessage()
                    + "; check that it is an executable nats-server", e);
        }
        process = findChild().orElseThrow(() -> new KiamMsException(KiamMsException.FAILURE,
                "nats-server exited at once: " + reason(logSizeBefore)));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!accepts(connectHost(), port)) {
            if (!Processes.isRunning(process)) {
                throw new KiamMsException(KiamMsException.FAILURE, "nats-server exited at start: " + reason(logSizeBefore));
            }
            if (System.nanoTime() > deadline) {
                stop(Duration.ofSeconds(5));
                throw new KiamMsException(KiamMsException.FAILURE, "nats-server did not accept connections on "
                        + host + ":" + port + " within " + timeout.toSeconds() + " s; see " + logFile);
            }
            sleep(10);
        }
        LOG.info(() -> "nats-server pid " + process.pid() + " listening on " + host + ":" + port
                + ", monitoring on 127.0.0.1:" + monitorPort);
    }

    public Path logFile() {
        return logFile;
    }

    public Optional<ProcessHandle> process() {
        return Optional.ofNullable(process);
    }

    public CompletableFuture<ProcessHandle> onExit() {
        ProcessHandle p = process;
        return p == null ? CompletableFuture.completedFuture(null) : p.onExit();
    }

    /**
     * Makes the running nats-server read its configuration file again (users and permissions),
     * keeping every connection whose user still exists. nats-server's own {@code --signal
     * reload} sends the SIGHUP; the monitoring endpoint's {@code config_load_time} confirms it.
     *
     * @throws IOException when nats-server is not running, cannot be signalled, or does not
     *                     confirm within {@code timeout} (it refuses a configuration it cannot load
     *                     and says why in its log)
     */
    public void reloadConfiguration(Duration timeout) throws IOException, InterruptedException {
        ProcessHandle p = process;
        if (p == null || !p.isAlive()) {
            throw new IOException("nats-server is not running");
        }
        BrokerMonitor monitor = new BrokerMonitor(monitorPort);
        String before = monitor.configLoadTime();
        Process signal = new ProcessBuilder(binary.toString(), "--signal", "reload=" + p.pid()).redirectErrorStream(true).start();
        String said = new String(signal.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (signal.waitFor() != 0) {
            throw new IOException("cannot signal nats-server pid " + p.pid() + ": " + said);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (monitor.configLoadTime().equals(before)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("nats-server did not reload its configuration within " + timeout.toSeconds() + " s; see " + logFile);
            }
            sleep(20);
        }
        LOG.info(() -> "nats-server pid " + p.pid() + " reloaded its configuration");
    }

    /** SIGTERM, then SIGKILL if nats-server has not exited within {@code grace}. */
    public void stop(Duration grace) {
        ProcessHandle p = process;
        if (p != null) {
            terminate(p, grace);
            LOG.info(() -> "nats-server pid " + p.pid() + " stopped");
        }
    }

    /**
     * Stops a nats-server left running by an earlier kiam-ms that was killed (its pid file in the
     * data directory still names a live nats-server).
     */
    public static void stopStale(Path pidFile) {
        readPid(pidFile).flatMap(ProcessHandle::of).filter(Processes::isRunning).ifPresent(p -> {
            String command = p.info().command().orElse("");
            if (command.endsWith("nats-server")) {
                LOG.warning(() -> "stopping nats-server pid " + p.pid() + " left running by an earlier kiam-ms on this data directory");
                terminate(p, Duration.ofSeconds(5));
            }
        });
    }

    public static Optional<Long> readPid(Path pidFile) {
        try {
            return Files.isRegularFile(pidFile) ? Optional.of(Long.parseLong(Files.readString(pidFile).strip())) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void terminate(ProcessHandle p, Duration grace) {
        p.destroy();
        try {
            p.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warning(() -> "nats-server pid " + p.pid() + " did not stop within " + grace.toSeconds() + " s; killing it");
            p.destroyForcibly();
            p.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(x -> null).join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        } catch (Exception e) {
            p.destroyForcibly();
        }
    }

    /** Our nats-server among this JVM's children: the one running our configuration file (tests run several). */
    private Optional<ProcessHandle> findChild() {
        String config = configFile.toString();
        return ProcessHandle.current().children()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().arguments().map(args -> java.util.Arrays.asList(args).contains(config)).orElse(false))
                .max((a, b) -> Long.compare(a.pid(), b.pid()));
    }

    private String connectHost() {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") ? "127.0.0.1" : host;
    }

    /** The reason nats-server gave for dying: the last error in its log, else its last console line. */
    private String reason(long logSizeBefore) {
        List<String> lines = new ArrayList<>(newLogLines(logSizeBefore));
        lines.addAll(output.recentLines());
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i);
            if (line.contains("[FTL]") || line.contains("[ERR]") || line.toLowerCase().contains("error")) {
                return line.replaceFirst("^.*?\\[(FTL|ERR)\\] ", "") + " (see " + logFile + ")";
            }
        }
        return lines.isEmpty() ? "no output; see " + logFile : lines.get(lines.size() - 1);
    }

    private List<String> newLogLines(long from) {
        try {
            if (!Files.isRegularFile(logFile)) {
                return List.of();
            }
            byte[] all = Files.readAllBytes(logFile);
            int start = (int) Math.min(from, all.length);
            return new String(all, start, all.length - start, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static void requireFree(String host, int port, String key) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new KiamMsException(KiamMsException.FAILURE, "port " + port + " on " + host
                    + " is already in use; stop the program using it or set " + key + " in the configuration");
        }
    }

    private static boolean accepts(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KiamMsException(KiamMsException.FAILURE, "interrupted while starting nats-server");
        }
    }
}
