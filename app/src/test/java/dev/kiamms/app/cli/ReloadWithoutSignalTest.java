package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMs;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.app.service.ReloadRequest;
import dev.kiamms.testing.FreePorts;
import dev.kiamms.testing.ProcessTrees;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.nats.client.Connection;
import io.nats.client.Nats;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An appliance in a JVM of its own, started with SIGHUP ignored as {@code nohup} starts it (the
 * JVM then installs no SIGHUP handler at all): {@code reload} and {@code users add} reach it
 * anyway, and quickly; and {@code users add} shows the password even when the appliance does not
 * answer.
 */
class ReloadWithoutSignalTest {

    /** Generous for a loaded 2-core machine; an answer normally takes a fraction of a second. */
    private static final Duration QUICK = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private Path config;
    private Path data;
    private int port;
    private Process appliance;

    @BeforeEach
    void startWithSighupIgnored() throws Exception {
        port = FreePorts.next();
        config = dir.resolve("kiam-ms.yaml");
        data = dir.resolve("data");
        Files.writeString(config, "health:\n  port: 0\nbroker:\n  port: " + port + "\n  monitor_port: " + FreePorts.next() + "\n");
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "trap '' HUP; exec \"$@\"", "sh",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dkiamms.home=" + System.getProperty("kiamms.home"),
                "-cp", System.getProperty("java.class.path"),
                KiamMs.class.getName(), "start", "--config", config.toString(), "--data", data.toString()));
        // NATS_SERVER_BIN comes from the build, through this JVM's environment.
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(dir.resolve("start.err").toFile());
        appliance = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(appliance.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Boolean> ready = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.contains(" ready in ")) {
                        return true;
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            return false;
        });
        if (!ready.get(90, TimeUnit.SECONDS)) {
            fail("kiam-ms did not become ready: " + Files.readString(dir.resolve("start.err")));
        }
    }

    @AfterEach
    void stop() throws Exception {
        signal("CONT"); // in case a test stopped it and failed before resuming it
        appliance.destroy(); // SIGTERM: drains and stops its nats-server
        if (!appliance.waitFor(30, TimeUnit.SECONDS)) {
            ProcessTrees.kill(appliance);
        }
    }

    @Test
    void reloadAndUsersAddReachItWithoutTheSignal() throws Exception {
        assertTrue(Files.readString(dir.resolve("start.err")).contains("SIGHUP is ignored"),
                "start says that kill -HUP cannot reload it");
        // The premise: a SIGHUP is lost on this appliance (no reload recorded, and it runs on).
        signal("HUP");
        Thread.sleep(1000);
        assertTrue(appliance.isAlive());
        assertFalse(Files.exists(data.resolve("run/reload.json")), "SIGHUP reloaded, so the test does not show the problem");

        long t0 = System.nanoTime();
        Run reload = run("reload");
        Duration reloadTook = Duration.ofNanos(System.nanoTime() - t0);
        System.out.println("kiam-ms reload on an appliance ignoring SIGHUP took " + reloadTook.toMillis() + " ms");
        assertEquals(0, reload.exit(), reload.text());
        assertTrue(reload.out().startsWith("reloaded "), reload.text());
        assertTrue(reloadTook.compareTo(QUICK) < 0, "reload took " + reloadTook.toMillis() + " ms");

        t0 = System.nanoTime();
        Run add = run("users", "add", "sms-sender", "--allow", "notice-reader", "--json");
        Duration addTook = Duration.ofNanos(System.nanoTime() - t0);
        System.out.println("kiam-ms users add on an appliance ignoring SIGHUP took " + addTook.toMillis() + " ms");
        assertEquals(0, add.exit(), add.text());
        assertTrue(add.err().isBlank(), add.text());
        JsonNode created = new ObjectMapper().readTree(add.out());
        assertTrue(created.path("running").asBoolean(), add.out());
        assertTrue(addTook.compareTo(QUICK) < 0, "users add took " + addTook.toMillis() + " ms");
        // The running broker took the user: it can log in with the password printed.
        try (Connection app = Nats.connect(created.path("url").asText())) {
            assertEquals(Connection.Status.CONNECTED, app.getStatus());
        }

        // Concurrent requesters each get an answer of their own, and leave nothing behind.
        InstancePaths paths = InstancePaths.of(config, data);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<ReloadRequest.Outcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                outcomes.add(pool.submit(() -> ReloadRequest.send(paths)));
            }
            for (Future<ReloadRequest.Outcome> f : outcomes) {
                ReloadRequest.Outcome o = f.get(QUICK.toSeconds(), TimeUnit.SECONDS);
                assertTrue(o.applied(), o.message());
                assertTrue(o.record().path("requests").size() >= 1, o.record().toString());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), requestFolder(paths));
    }

    @Test
    void usersAddShowsThePasswordEvenWhenTheApplianceDoesNotAnswer() throws Exception {
        signal("STOP");
        long t0 = System.nanoTime();
        Run add = run("users", "add", "geo-app", "--allow", "notice-reader", "--json");
        System.out.println("kiam-ms users add on a stopped appliance gave up after "
                + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms");
        signal("CONT");

        assertEquals(1, add.exit(), add.text());
        JsonNode created = new ObjectMapper().readTree(add.out()); // stdout is still one JSON document
        String password = created.path("password").asText();
        assertTrue(password.length() >= 32, add.text());
        String err = add.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.contains("geo-app IS saved") && err.contains("no answer from kiam-ms") && err.contains("'kiam-ms reload'"), err);
        assertTrue(run("users", "list").out().contains("geo-app"), "the user is kept");
        InstancePaths paths = InstancePaths.of(config, data);
        assertEquals(List.of(), requestFolder(paths), "the unanswered request was withdrawn");

        // What the error said to do works: the resumed appliance reloads and the broker takes the user.
        Run reload = run("reload");
        assertEquals(0, reload.exit(), reload.text());
        try (Connection app = Nats.connect(created.path("url").asText())) {
            assertEquals(Connection.Status.CONNECTED, app.getStatus());
        }
    }

    // --- helpers -------------------------------------------------------------------------------

    private record Run(int exit, String out, String err) {
        String text() {
            return "exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    /** A command, in this JVM, as the person at the terminal runs it. */
    private Run run(String... args) {
        String[] all = Stream.concat(Stream.of(args), Stream.of("--config", config.toString(), "--data", data.toString()))
                .toArray(String[]::new);
        CommandRun r = CommandRun.of(all);
        return new Run(r.exit(), r.out(), r.err());
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("/bin/sh", "-c", "kill -" + name + " " + appliance.pid()).start();
        assertTrue(kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "kill -" + name + " finishes");
        assertEquals(0, kill.exitValue(), "kill -" + name);
    }

    private static List<String> requestFolder(InstancePaths paths) throws IOException {
        try (Stream<Path> files = Files.list(paths.reloadRequestDir())) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }
}
