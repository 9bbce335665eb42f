package dev.kiamms.app.service;

import dev.kiamms.app.KiamMs;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.bus.DeadLetters;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.mail.AccountAddEmailAudit;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.Await;
import dev.kiamms.testing.FreePorts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kiam-ms is killed (SIGKILL) after the SMTP server took an audit's mail and before kiam-ms
 * learned so: after the restart the broker delivers the audit again, and it is not mailed a second
 * time but kept as a dead letter "may have been delivered", until a person replays it.
 */
class CrashDuringSendTest {

    private static final Path TEMPLATES = Path.of(System.getProperty("kiamms.root"), "conf", "templates");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aMailWhoseSendWasCutByACrashIsNotSentAgainButKeptForAPerson() throws Exception {
        int port = FreePorts.next();
        try (CountingSmtpServer smtp = new CountingSmtpServer(0, 1)) {
            Path config = dir.resolve("kiam-ms.yaml");
            Files.writeString(config, "health:\n  port: 0\nbroker:\n  port: " + port + "\n  monitor_port: " + FreePorts.next() + "\n"
                    + "mail:\n  template_dir: " + TEMPLATES + "\n  mtas:\n    - name: counting\n      host: 127.0.0.1\n"
                    + "      port: " + smtp.port() + "\n      sender: noreply@example.com\n");
            Path data = dir.resolve("data");
            InstancePaths paths = InstancePaths.of(config, data);
            try (ChildAppliance kiamMs = new ChildAppliance(config, data, dir.resolve("console.log"))) {
                kiamMs.start(Duration.ofSeconds(60));
                smtp.withholdReplies = true;
                String url = "nats://" + BrokerCredentials.KIAM + ":" + BrokerCredentials.read(paths.credentialsFile())
                        .password(BrokerCredentials.KIAM) + "@127.0.0.1:" + port;
                String reqid;
                try (KrossIamClient kiam = KrossIamClient.connect(url)) {
                    reqid = kiam.publish(Subjects.audit("accountaddemail"), new AccountAddEmailAudit("new@example.com", "u1",
                            "https://iam.example.com", "en", List.of("u1@example.com"), "Address added"));
                    kiam.flush(Duration.ofSeconds(5));
                }
                Await.until(Duration.ofSeconds(20), () -> smtp.mailed().containsKey(reqid), () -> "the SMTP server takes the mail");
                kiamMs.kill();
                smtp.withholdReplies = false;
                long restarted = System.nanoTime();
                kiamMs.start(Duration.ofSeconds(60));

                DeadLetters store = new DeadLetters(paths.deadLetterDir());
                Await.until(Duration.ofSeconds(90), () -> store.count() == 1, () -> "the audit delivered again becomes a dead letter\n"
                        + kiamMs.consoleTail(4000));
                System.out.println("redelivered and kept as a dead letter "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted) + " ms after the restart");
                DeadLetters.Letter letter = store.list().get(0);
                assertEquals(reqid, letter.reqid());
                assertTrue(letter.mayHaveBeenDelivered(), letter.toString());
                assertTrue(letter.reason().contains("may have gone out"), letter.reason());
                assertEquals(1, smtp.mailed().get(reqid).get(), "mailed once, not again after the restart");

                // A person decides to send it anyway.
                assertEquals(0, KiamMs.run("dead-letters", "replay", letter.id(), "--config", config.toString(), "--data", data.toString()));
                Await.until(Duration.ofSeconds(20), () -> smtp.mailed().get(reqid).get() == 2, () -> "the replayed audit is mailed");
                assertEquals(0, store.count());
            }
        }
    }
}
