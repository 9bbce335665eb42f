package dev.kiamms.app.service;

import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.testing.Await;
import dev.kiamms.testing.FreePorts;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real full disk under the broker's store (a 64 MB tmpfs filled to the last byte) turns health
 * and status to "degraded" with the free space and what to do; freeing space makes it ok again.
 * Needs root to mount the tmpfs (CI runs as root); elsewhere it is skipped with the reason.
 */
class FullDiskTest {

    @TempDir
    Path dir;

    @Test
    void aFullDiskUnderTheStoreIsSaidAloud() throws Exception {
        Path disk = Files.createDirectories(dir.resolve("disk"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", disk.toString()) == 0,
                "cannot mount a tmpfs here (needs root): the full-disk test is skipped");
        Appliance appliance = null;
        int port = FreePorts.next();
        int healthPort = FreePorts.next();
        try {
            Path config = dir.resolve("kiam-ms.yaml");
            Files.writeString(config, "health:\n  port: " + healthPort + "\nbroker:\n  port: " + port + "\n  monitor_port: "
                    + FreePorts.next() + "\n  jetstream:\n    max_bytes_mb: 8\nservice:\n  audits:\n    subscribe: false\n");
            TestInstance instance = new TestInstance(disk, config, port, 0);
            appliance = instance.appliance();
            appliance.start();
            try (KrossIamClient kiam = KrossIamClient.connect(AuditFaults.kiamUrl(instance.paths, port))) {
                AuditFaults.publishConfirmed(kiam, 0);
            }
            Await.until(Duration.ofSeconds(10), () -> AuditFaults.health(healthPort).code() == 200, () -> "healthy at first");

            Path filler = disk.resolve("filler");
            fill(filler);
            System.out.println("disk filled; free now " + Files.getFileStore(disk).getUsableSpace() + " bytes");
            Await.until(Duration.ofSeconds(10), () -> AuditFaults.health(healthPort).code() == 503,
                    () -> "health turns 503 on a full disk: " + AuditFaults.health(healthPort).body());
            AuditFaults.Health h = AuditFaults.health(healthPort);
            assertEquals("degraded", h.status(), h.body().toString());
            assertTrue(h.problems().contains("MB free") && h.problems().contains("free space there"), h.problems());
            try (KrossIamClient kiam = KrossIamClient.connect(AuditFaults.kiamUrl(instance.paths, port))) {
                System.out.println("an audit published on the full disk: the stream answered "
                        + AuditFaults.publishWithReceipt(kiam.connection(), KrossIamClient.newReqid(), AuditFaults.audit(1)));
            }

            Files.delete(filler);
            Await.until(Duration.ofSeconds(10), () -> AuditFaults.health(healthPort).code() == 200,
                    () -> "ok again once there is room: " + AuditFaults.health(healthPort).body());
        } finally {
            if (appliance != null) {
                appliance.stop();
            }
            run("umount", "-l", disk.toString());
        }
    }

    /** Writes zeros until the file system refuses more. */
    private static void fill(Path file) throws IOException {
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw full;
            }
        }
    }

    private static int run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
