package dev.kiamms.app.service;

import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.iplocation.IpLocationRequest;
import dev.kiamms.testing.Await;
import dev.kiamms.testing.FreePorts;
import dev.kiamms.testing.GeoIpTestData;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A configuration reload by SIGHUP, as systemd's ExecReload sends it, while KrossIAM keeps
 * asking: four clients send iplocation without a pause while the configuration is changed and
 * the JVM signalled five times. Every request is answered, and each reload is applied.
 */
class ReloadBySignalUnderLoadTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void everyRequestIsAnsweredThroughFiveReloadsBySignal() throws Exception {
        int port = FreePorts.next();
        Path geo = GeoIpTestData.city(dir);
        Path config = dir.resolve("kiam-ms.yaml");
        String base = "health:\n  port: 0\nbroker:\n  port: " + port + "\n  monitor_port: " + FreePorts.next() + "\n"
                + "geoip:\n  path: " + geo + "\n";
        Files.writeString(config, base);
        Path data = dir.resolve("data");
        InstancePaths paths = InstancePaths.of(config, data);
        try (ChildAppliance kiamMs = new ChildAppliance(config, data, dir.resolve("console.log"))) {
            kiamMs.start(Duration.ofSeconds(60));
            String url = AuditFaults.kiamUrl(paths, port);
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger answered = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                Thread t = new Thread(() -> {
                    try (KrossIamClient kiam = KrossIamClient.connect(url)) {
                        while (running.get()) {
                            var reply = kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(10)).reply();
                            if (reply.code() == 0) {
                                answered.incrementAndGet();
                            } else {
                                failures.add("code " + reply.code() + ": " + reply.message());
                            }
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }, "client-" + c);
                t.start();
                clients.add(t);
            }
            ObjectMapper json = new ObjectMapper();
            Await.until(Duration.ofSeconds(10), () -> answered.get() > 50, () -> "requests flow");
            for (int round = 1; round <= 5; round++) {
                // A change a reload applies (mail settings) on every round.
                Files.writeString(config, base + "mail:\n  subject_prefix: '[round " + round + "]'\n");
                String before = Files.exists(paths.reloadFile()) ? json.readTree(paths.reloadFile().toFile()).path("at").asText() : "";
                Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(kiamMs.pid())).start();
                assertEquals(0, hup.waitFor(), "kill -HUP");
                int r = round;
                Await.until(Duration.ofSeconds(15), () -> {
                    try {
                        JsonNode rec = json.readTree(paths.reloadFile().toFile());
                        return !rec.path("at").asText().equals(before) && rec.path("applied").asBoolean();
                    } catch (Exception notYet) {
                        return false;
                    }
                }, () -> "reload " + r + " applied");
                int now = answered.get();
                Await.until(Duration.ofSeconds(10), () -> answered.get() > now + 20, () -> "requests flow after reload " + r);
            }
            running.set(false);
            for (Thread t : clients) {
                t.join(30_000);
            }
            System.out.println("answered " + answered.get() + " requests through 5 reloads by SIGHUP; failures " + failures.size());
            assertEquals(List.of(), List.copyOf(failures), "every request answered, none failed");
            assertTrue(answered.get() > 100, "a steady load: " + answered.get());
        }
    }
}
