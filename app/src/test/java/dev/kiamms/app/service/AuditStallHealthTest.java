package dev.kiamms.app.service;

import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.testing.Await;
import dev.kiamms.testing.FreePorts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Audits waiting that nobody takes (here: an SMTP server that holds back its answers, so every
 * worker is stuck) turn /healthz and status to "degraded" with the reason after
 * {@code service.audits.stall_seconds}; once mail flows again the health is ok and every audit is
 * mailed once.
 */
class AuditStallHealthTest {

    private static final Path TEMPLATES = Path.of(System.getProperty("kiamms.root"), "conf", "templates");

    @TempDir
    Path dir;

    @Test
    void auditsWaitingWithNoneTakenMakeTheHealthDegradedWithTheReason() throws Exception {
        int port = FreePorts.next();
        int healthPort = FreePorts.next();
        Appliance appliance = null;
        try (CountingSmtpServer smtp = new CountingSmtpServer(0, 1)) {
            Path config = dir.resolve("kiam-ms.yaml");
            Files.writeString(config, "health:\n  port: " + healthPort + "\nbroker:\n  port: " + port + "\n  monitor_port: "
                    + FreePorts.next() + "\nservice:\n  audits:\n    stall_seconds: 2\n"
                    + "mail:\n  template_dir: " + TEMPLATES + "\n  mtas:\n    - name: counting\n"
                    + "      host: 127.0.0.1\n      port: " + smtp.port() + "\n      sender: noreply@example.com\n");
            TestInstance instance = new TestInstance(dir, config, port, 0);
            appliance = instance.appliance();
            appliance.start();
            assertEquals(200, AuditFaults.health(healthPort).code());

            smtp.withholdReplies = true;
            List<String> reqids = new ArrayList<>();
            try (KrossIamClient kiam = KrossIamClient.connect(AuditFaults.kiamUrl(instance.paths, port))) {
                for (int i = 0; i < 40; i++) {
                    reqids.add(AuditFaults.publishConfirmed(kiam, i));
                }
            }
            long t0 = System.nanoTime();
            Await.until(Duration.ofSeconds(15), () -> AuditFaults.health(healthPort).code() == 503,
                    () -> "health turns 503 while audits wait: " + AuditFaults.health(healthPort).body());
            System.out.println("degraded after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            AuditFaults.Health h = AuditFaults.health(healthPort);
            assertEquals("degraded", h.status(), h.body().toString());
            assertTrue(h.problems().contains("durable consumer kiam-ms-audits") && h.problems().contains("none taken"), h.problems());
            Await.until(Duration.ofSeconds(10), () -> RunStats.read(instance.paths.statsFile())
                    .map(s -> "degraded".equals(s.health())).orElse(false), () -> "status sees it too (run/stats.json)");

            smtp.withholdReplies = false;
            Await.until(Duration.ofSeconds(30), () -> reqids.stream().allMatch(r -> smtp.mailed().containsKey(r)),
                    () -> "every audit mailed once the SMTP server answers");
            Await.until(Duration.ofSeconds(10), () -> AuditFaults.health(healthPort).code() == 200,
                    () -> "healthy again: " + AuditFaults.health(healthPort).body());
            for (String r : reqids) {
                assertEquals(1, smtp.mailed().get(r).get(), "mailed once: " + r);
            }
        } finally {
            if (appliance != null) {
                appliance.stop();
            }
        }
    }
}
