package dev.kiamms.app.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code kiam-ms start} in a JVM of its own, so that a test can kill it with SIGKILL and start it
 * again on the same data directory, as a crash and a service manager would. Its console goes to
 * one file, appended to by every start.
 */
final class ChildAppliance implements AutoCloseable {

    private final Path config;
    private final Path data;
    private final Path console;
    private Process process;

    ChildAppliance(Path config, Path data, Path console) {
        this.config = config;
        this.data = data;
        this.console = console;
    }

    private long consoleBefore;

    /** Starts it and waits until it says it is ready. */
    void start(Duration timeout) throws IOException, InterruptedException {
        launch();
        awaitReady(timeout);
    }

    /** Starts it without waiting (nodes of a cluster start together). */
    void launch() throws IOException {
        consoleBefore = Files.exists(console) ? Files.size(console) : 0;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        for (String property : new String[]{"kiamms.root", "kiamms.home"}) {
            if (System.getProperty(property) != null) {
                command.add("-D" + property + "=" + System.getProperty(property));
            }
        }
        command.add("dev.kiamms.app.KiamMs");
        command.addAll(List.of("start", "--config", config.toString(), "--data", data.toString()));
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile())).start();
    }

    void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!consoleSince(consoleBefore).contains(" ready in ")) {
            if (!process.isAlive()) {
                throw new IllegalStateException("kiam-ms exited with " + process.exitValue() + " at start:\n" + consoleSince(consoleBefore));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("kiam-ms not ready within " + timeout.toSeconds() + " s:\n" + consoleSince(consoleBefore));
            }
            Thread.sleep(50);
        }
    }

    long pid() {
        return process.pid();
    }

    Path data() {
        return data;
    }

    /** SIGKILL: no shutdown hook runs, nothing is drained or acknowledged. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("kiam-ms pid " + process.pid() + " survived SIGKILL for 10 s");
        }
    }

    /** SIGTERM, the way a service manager stops it: it drains, then stops its broker. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    String consoleTail(int chars) {
        String all = consoleSince(0);
        return all.length() <= chars ? all : all.substring(all.length() - chars);
    }

    private String consoleSince(long offset) {
        try {
            byte[] all = Files.readAllBytes(console);
            int from = (int) Math.min(offset, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        // A nats-server left by a killed JVM is stopped by the next start; after the last one, here.
        ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(data.resolve("broker").resolve("nats-server.conf").toString()))
                        .orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }
}
