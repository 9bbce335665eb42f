package dev.kiamms.app.service;

import dev.kiamms.app.KiamMs;
import dev.kiamms.bus.DeadLetters;
import dev.kiamms.bus.DurableEvents;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.mail.delivery.ScriptedSmtpServer;
import dev.kiamms.testing.Await;
import dev.kiamms.testing.FreePorts;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An audit whose SMTP conversation broke after the mail was handed over (the server hung up
 * instead of saying 250) may have been delivered: it is not retried but kept as a dead letter
 * marked so, the broker's consumer is done with it, and only a person's replay sends it again.
 */
class AmbiguousAuditTest {

    private static final Path TEMPLATES = Path.of(System.getProperty("kiamms.root"), "conf", "templates");

    @TempDir
    Path dir;

    @Test
    void anAuditCutOffAfterItsDataIsADeadLetterMarkedMayHaveBeenDeliveredNotARetry() throws Exception {
        int port = FreePorts.next();
        Appliance appliance = null;
        try (ScriptedSmtpServer smtp = new ScriptedSmtpServer()) {
            smtp.endReply = ScriptedSmtpServer.CLOSE; // takes the whole mail, then hangs up
            Path config = dir.resolve("kiam-ms.yaml");
            // Retries would come within a second: a retry of this audit would show.
            Files.writeString(config, "health:\n  port: 0\nbroker:\n  port: " + port + "\n  monitor_port: " + FreePorts.next()
                    + "\nservice:\n  audits:\n    retry:\n      max_attempts: 5\n      first_pause_seconds: 1\n      max_pause_seconds: 1\n"
                    + "mail:\n  template_dir: " + TEMPLATES + "\n  mtas:\n    - name: scripted\n      host: 127.0.0.1\n      port: "
                    + smtp.port() + "\n      sender: noreply@example.com\n");
            TestInstance instance = new TestInstance(dir, config, port, 0);
            appliance = instance.appliance();
            appliance.start();
            String reqid;
            try (KrossIamClient kiam = KrossIamClient.connect(AuditFaults.kiamUrl(instance.paths, port))) {
                reqid = AuditFaults.publishConfirmed(kiam, 1);
            }
            DeadLetters store = new DeadLetters(instance.paths.deadLetterDir());
            Await.until(Duration.ofSeconds(20), () -> store.count() == 1, () -> "the audit becomes a dead letter");
            DeadLetters.Letter letter = store.list().get(0);
            assertEquals(reqid, letter.reqid());
            assertTrue(letter.mayHaveBeenDelivered(), letter.toString());
            assertEquals(1, letter.attempts(), "given up at the first attempt, not retried: " + letter);

            // The broker is done with it: nothing pending, nothing waiting for an acknowledgement or a retry.
            try (Connection admin = Nats.connect(AuditFaults.mssUrl(instance.paths, port))) {
                Await.until(Duration.ofSeconds(10), () -> {
                    try {
                        ConsumerInfo c = admin.jetStreamManagement().getConsumerInfo(DurableEvents.STREAM, DurableEvents.AUDIT_CONSUMER);
                        return c.getNumPending() == 0 && c.getNumAckPending() == 0;
                    } catch (Exception e) {
                        return false;
                    }
                }, () -> "the consumer has settled the audit");
            }
            assertEquals(1, smtp.commands().stream().filter(c -> c.equals("DATA")).count(), "one DATA: " + smtp.commands());

            // A replay is a person's decision about named letters: without a name (or --all) it is refused.
            assertEquals(2, KiamMs.run("dead-letters", "replay", "--config", config.toString(),
                    "--data", instance.paths.dataDir().toString()));
            assertEquals(1, store.count(), "the refused replay left the letter alone");
            assertEquals(1, smtp.commands().stream().filter(c -> c.equals("DATA")).count(), "and sent nothing");

            // A person who knows it did not arrive replays it; the server answers properly now.
            smtp.endReply = "250 2.0.0 Ok: queued";
            assertEquals(0, KiamMs.run("dead-letters", "replay", letter.id(), "--config", config.toString(),
                    "--data", instance.paths.dataDir().toString()));
            Await.until(Duration.ofSeconds(20), () -> smtp.accepted().size() == 1, () -> "the replayed audit is mailed");
            assertEquals(0, store.count());
        } finally {
            if (appliance != null) {
                appliance.stop();
            }
        }
    }
}
