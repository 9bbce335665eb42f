package dev.kiamms.app.service;

import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.testing.Await;
import dev.kiamms.testing.FreePorts;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A damaged JetStream store is said aloud, never taken for an empty stream: kiam-ms compares the
 * stream it finds at start with the extent it last saw, and a shortfall turns health and status
 * to "degraded" with one line saying what was lost and what to check.
 */
class StoreDamageTest {

    @TempDir
    Path dir;

    private final int port = FreePorts.next();
    private final int healthPort = FreePorts.next();
    private final int monitorPort = FreePorts.next();

    private TestInstance instance() throws Exception {
        Path config = dir.resolve("kiam-ms.yaml");
        // Audits are not taken: they stay in the stream, as unmailed audits do while kiam-ms is busy.
        Files.writeString(config, "health:\n  port: " + healthPort + "\nbroker:\n  port: " + port + "\n  monitor_port: " + monitorPort
                + "\nservice:\n  audits:\n    subscribe: false\n");
        return new TestInstance(dir, config, port, monitorPort);
    }

    private Appliance startWithAudits(TestInstance instance, int audits) throws Exception {
        Appliance appliance = instance.appliance();
        appliance.start();
        try (KrossIamClient kiam = KrossIamClient.connect(AuditFaults.kiamUrl(instance.paths, port))) {
            for (int i = 0; i < audits; i++) {
                AuditFaults.publishConfirmed(kiam, i);
            }
        }
        Await.until(Duration.ofSeconds(10), () -> StreamMark.read(instance.paths.streamMarkFile())
                .map(m -> m.lastSequence() == audits).orElse(false), () -> "the stream's extent is noted");
        return appliance;
    }

    @Test
    void aTruncatedStoreIsReportedNotPassedOverAsAShorterStream() throws Exception {
        TestInstance instance = instance();
        startWithAudits(instance, 200).stop();
        List<Path> blocks;
        try (Stream<Path> files = Files.walk(instance.paths.jetStreamDir())) {
            blocks = files.filter(p -> p.toString().contains("KIAM_EVENTS") && p.toString().endsWith(".blk")).sorted().toList();
        }
        Assumptions.assumeFalse(blocks.isEmpty(), "no message block found under " + instance.paths.jetStreamDir());
        Path last = blocks.get(blocks.size() - 1);
        long size = Files.size(last);
        try (RandomAccessFile f = new RandomAccessFile(last.toFile(), "rw")) {
            f.setLength(size / 3);
        }
        System.out.println("truncated " + last.getFileName() + " from " + size + " to " + size / 3 + " bytes");

        Appliance again = instance.appliance();
        try {
            again.start();
            AuditFaults.Health h = AuditFaults.health(healthPort);
            System.out.println("after the restart: " + h.body());
            assertEquals(503, h.code(), h.body().toString());
            assertEquals("degraded", h.status(), h.body().toString());
            assertTrue(h.problems().contains("KIAM_EVENTS") && h.problems().contains("are gone"), h.problems());
        } finally {
            again.stop();
        }
    }

    @Test
    void aStoreThatVanishedIsReported() throws Exception {
        TestInstance instance = instance();
        startWithAudits(instance, 5).stop();
        try (Stream<Path> files = Files.walk(instance.paths.jetStreamDir())) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!p.equals(instance.paths.jetStreamDir())) {
                    Files.delete(p);
                }
            }
        }
        Appliance again = instance.appliance();
        try {
            again.start();
            AuditFaults.Health h = AuditFaults.health(healthPort);
            assertEquals("degraded", h.status(), h.body().toString());
            assertTrue(h.problems().contains("although it held 5 message(s)"), h.problems());
        } finally {
            again.stop();
        }
        // Said once: the next start compares with the stream as it is now.
        Appliance third = instance.appliance();
        try {
            third.start();
            Await.until(Duration.ofSeconds(10), () -> AuditFaults.health(healthPort).code() == 200,
                    () -> "the warning does not outlive the restart after it: " + AuditFaults.health(healthPort).body());
        } finally {
            third.stop();
        }
    }
}
