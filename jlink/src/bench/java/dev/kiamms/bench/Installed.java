package dev.kiamms.bench;

import dev.kiamms.testing.ProcessTrees;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The distribution archive unpacked into a directory and run as an operator runs it:
 * {@code bin/kiam-ms start --config FILE} in the foreground, stopped with SIGTERM.
 */
final class Installed {

    /** A running {@code kiam-ms start}. */
    final class Running implements AutoCloseable {
        final Process process;
        final double startToReadyMs;
        final String readyLine;

        Running(Process process, double startToReadyMs, String readyLine) {
            this.process = process;
            this.startToReadyMs = startToReadyMs;
            this.readyLine = readyLine;
        }

        /** The JVM (the launcher script execs it). */
        long jvmPid() {
            return process.pid();
        }

        long natsServerPid() throws IOException {
            return Long.parseLong(Files.readString(home.resolve("data/broker/nats-server.pid")).strip());
        }

        /** SIGTERM, as systemd or Ctrl-C: kiam-ms drains and stops its nats-server. */
        @Override
        public void close() {
            List<ProcessHandle> children = process.descendants().toList();
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
                for (ProcessHandle c : children) {
                    c.onExit().get(15, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                children.forEach(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** The JVM options of bin/kiam-ms if its default_opts line cannot be read. */
    static final String[] LAUNCHER_DEFAULTS = {"-Xmx128m", "-XX:+UseSerialGC", "-Dfile.encoding=UTF-8",
            "-Djava.awt.headless=true"};

    final Path home;
    private final Path work;
    private final List<Process> started = new ArrayList<>();

    private Installed(Path home, Path work) {
        this.home = home;
        this.work = work;
    }

    static Installed unpack(Path archive, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", dir.toString()).inheritIO().start();
        if (tar.waitFor() != 0) {
            throw new IOException("tar -xzf " + archive + " failed");
        }
        Path home;
        try (Stream<Path> top = Files.list(dir)) {
            home = top.filter(p -> p.getFileName().toString().startsWith("kiam-ms-") && Files.isDirectory(p))
                    .findFirst().orElseThrow(() -> new IOException("no kiam-ms-* folder in " + archive));
        }
        return new Installed(home, dir);
    }

    /** Kills whatever is left (on an abnormal exit of the harness). */
    void killLeftovers() {
        started.forEach(ProcessTrees::kill);
    }

    Path writeConfig(String name, String yaml) throws IOException {
        Path f = work.resolve(name + ".yaml");
        Files.writeString(f, yaml);
        return f;
    }

    /**
     * Starts {@code kiam-ms start} and waits for its ready line.
     *
     * @param flightRecording a JFR file to record into, or null. The image has no jdk.jfr module,
     *                        so with a recording the launcher is emulated on this JVM's own JDK
     *                        (same options, same jars, same home).
     */
    Running start(Path config, Path flightRecording, String label) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (flightRecording == null) {
            cmd.add(home.resolve("bin/kiam-ms").toString());
        } else {
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(launcherOptions());
            String opts = System.getenv("KIAMMS_JAVA_OPTS");
            if (opts != null && !opts.isBlank()) {
                cmd.addAll(List.of(opts.trim().split(" +")));
            }
            cmd.add("-XX:StartFlightRecording=filename=" + flightRecording.toAbsolutePath() + ",settings=profile");
            cmd.addAll(List.of("-Dkiamms.home=" + home, "-cp", home.resolve("lib") + "/*", "dev.kiamms.app.KiamMs"));
        }
        cmd.addAll(List.of("start", "--config", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Path err = work.resolve("start-" + label + "-" + started.size() + ".err");
        pb.redirectError(err.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        started.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = new CompletableFuture<>();
        StringBuilder before = new StringBuilder();
        long[] readyAt = new long[1];
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (!ready.isDone() && line.contains(" ready in ")) {
                        readyAt[0] = System.nanoTime();
                        ready.complete(line);
                    } else if (!ready.isDone()) {
                        before.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            ready.complete(null);
        }, "bench-stdout-" + label);
        reader.setDaemon(true);
        reader.start();
        String line;
        try {
            line = ready.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            line = null;
        }
        if (line == null) {
            ProcessTrees.kill(p);
            throw new IOException("kiam-ms did not become ready (" + label + "): " + before + Files.readString(err));
        }
        return new Running(p, (readyAt[0] - t0) / 1e6, line);
    }

    /** The JVM options bin/kiam-ms gives its runtime (its {@code default_opts="..."} line). */
    List<String> launcherOptions() {
        try {
            for (String line : Files.readAllLines(home.resolve("bin/kiam-ms"))) {
                if (line.startsWith("default_opts=\"") && line.endsWith("\"")) {
                    return List.of(line.substring("default_opts=\"".length(), line.length() - 1).trim().split(" +"));
                }
            }
        } catch (IOException ignored) {
            // fall back
        }
        return List.of(LAUNCHER_DEFAULTS);
    }

    /** Wall time of {@code kiam-ms status}, in ms; fails unless it says running (exit 0). */
    double statusMillis(Path config) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/kiam-ms").toString(), "status", "--config", config.toString());
        pb.redirectErrorStream(true);
        long t0 = System.nanoTime();
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        int exit = p.waitFor();
        double ms = (System.nanoTime() - t0) / 1e6;
        if (exit != 0) {
            throw new IOException("kiam-ms status exited " + exit + ": " + new String(out, StandardCharsets.UTF_8));
        }
        return ms;
    }

    Map<String, String> credentials() throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, String> m = new ObjectMapper().readValue(home.resolve("data/broker/credentials.json").toFile(), Map.class);
        return m;
    }

    /** Output of one command, for version strings. */
    static String output(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return s.strip();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
