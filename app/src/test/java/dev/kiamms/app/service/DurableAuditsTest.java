package dev.kiamms.app.service;

import dev.kiamms.app.KiamMs;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.bus.DeadLetters;
import dev.kiamms.bus.DurableEvents;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.mail.AccountAddEmailAudit;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.Await;
import dev.kiamms.testing.FreePorts;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import jakarta.mail.internet.MimeMessage;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Audits kept by JetStream: nothing lost while kiam-ms's subscribers are down, failures retried, then dead letters. */
class DurableAuditsTest {

    private static final Path TEMPLATES = Path.of(System.getProperty("kiamms.root"), "conf", "templates");

    @TempDir
    Path dir;

    private GreenMail smtp;
    private Appliance appliance;
    private final int port = FreePorts.next();
    private final int monitorPort = FreePorts.next();

    @BeforeEach
    void startSmtp() {
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP)); // port 0: bound, never guessed
        smtp.start();
    }

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.stop();
        }
        smtp.stop();
    }

    /** Same data directory and ports every time, as a restarted appliance has. */
    private TestInstance start(boolean audits, int smtpPort, String retry) throws Exception {
        Path config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, "health:\n  port: 0\nbroker:\n  port: " + port + "\n  monitor_port: " + monitorPort + "\n"
                + "service:\n  audits:\n    subscribe: " + audits + "\n" + retry
                + "mail:\n  template_dir: " + TEMPLATES + "\n  mtas:\n    - name: local\n      host: 127.0.0.1\n      port: "
                + smtpPort + "\n      sender: noreply@example.com\n");
        TestInstance instance = new TestInstance(dir, config, port, monitorPort);
        appliance = instance.appliance();
        appliance.start();
        return instance;
    }

    private static List<String> publishAudits(TestInstance instance, int n) throws Exception {
        List<String> reqids = new java.util.ArrayList<>();
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            for (int i = 0; i < n; i++) {
                reqids.add(kiam.publish(Subjects.audit("accountaddemail"), new AccountAddEmailAudit("new@example.com", "user" + i,
                        "https://iam.example.com", "en", List.of("user" + i + "@example.com"), "Address added")));
            }
            kiam.flush(Duration.ofSeconds(5));
        }
        return reqids;
    }

    private Set<String> mailedReqids() {
        Set<String> out = new HashSet<>();
        for (MimeMessage m : smtp.getReceivedMessages()) {
            try {
                out.add(m.getHeader("X-Kiam-Reqid")[0]);
            } catch (jakarta.mail.MessagingException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /** The audit consumer's state as the broker reports it, read as kiam-ms's own user. */
    private static ConsumerInfo auditConsumer(JetStreamManagement jsm) {
        try {
            return jsm.getConsumerInfo(DurableEvents.STREAM, DurableEvents.AUDIT_CONSUMER);
        } catch (java.io.IOException | io.nats.client.JetStreamApiException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describe(ConsumerInfo c) {
        return "pending " + c.getNumPending() + ", ack pending " + c.getNumAckPending() + ", waiting pulls "
                + c.getNumWaiting() + ", delivered " + c.getDelivered().getConsumerSequence() + ", ack floor "
                + c.getAckFloor().getConsumerSequence() + ", redelivered " + c.getRedelivered();
    }

    @Test
    void auditsPublishedWhileTheSubscribersAreDownAreHandledWhenTheyComeBack() throws Exception {
        int smtpPort = smtp.getSmtp().getPort();
        start(true, smtpPort, "");
        appliance.stop();                              // the durable consumer exists from now on
        TestInstance down = start(false, smtpPort, ""); // broker up, audit subscribers down
        List<String> published = publishAudits(down, 50);
        // "None while down" from the broker's own account, not from a pause: all 50 are stored and
        // waiting on the durable consumer, nobody is pulling from it and none was ever delivered.
        try (Connection mss = Nats.connect(down.url(BrokerCredentials.MSS))) {
            JetStreamManagement jsm = mss.jetStreamManagement();
            Await.until(Duration.ofSeconds(15), () -> auditConsumer(jsm).getNumPending() == 50,
                    () -> "50 audits waiting on the consumer: " + describe(auditConsumer(jsm)));
            ConsumerInfo waiting = auditConsumer(jsm);
            System.out.println("while down: " + describe(waiting));
            assertEquals(0, waiting.getNumWaiting(), "nobody pulls while the subscribers are down");
            assertEquals(0, waiting.getDelivered().getConsumerSequence(), "nothing was delivered to anyone");
            assertEquals(0, waiting.getNumAckPending());
        }
        assertEquals(0, smtp.getReceivedMessages().length, "nobody handles audits while the subscribers are down");
        appliance.stop();                              // and the JVM's appliance restarts...

        TestInstance up = start(true, smtpPort, "");
        Await.until(Duration.ofSeconds(30), () -> mailedReqids().size() >= 50, () -> "all 50 audits mailed after the restart");
        // "Exactly once" once nothing can still come: every audit acknowledged, none outstanding.
        // A copy still being handled would be delivered and unacknowledged, so this is the end state.
        try (Connection mss = Nats.connect(up.url(BrokerCredentials.MSS))) {
            JetStreamManagement jsm = mss.jetStreamManagement();
            Await.until(Duration.ofSeconds(30), () -> {
                ConsumerInfo c = auditConsumer(jsm);
                return c.getNumPending() == 0 && c.getNumAckPending() == 0;
            }, () -> "every audit acknowledged: " + describe(auditConsumer(jsm)));
            System.out.println("after the restart: " + describe(auditConsumer(jsm)));
        }
        System.out.println("audits published while down: " + published.size() + ", handled after restart: " + mailedReqids().size()
                + ", mails received: " + smtp.getReceivedMessages().length);
        assertEquals(Set.copyOf(published), mailedReqids(), "each audit handled");
        assertEquals(50, smtp.getReceivedMessages().length, "and each exactly once");
    }

    @Test
    void aFailingAuditIsRetriedThenKeptAsADeadLetterThatCanBeReplayed() throws Exception {
        int closedPort = FreePorts.next();
        TestInstance instance = start(true, closedPort,
                "    retry:\n      max_attempts: 2\n      first_pause_seconds: 1\n      max_pause_seconds: 1\n");
        String reqid = publishAudits(instance, 1).get(0);
        DeadLetters store = new DeadLetters(instance.paths.deadLetterDir());
        Await.until(Duration.ofSeconds(20), () -> store.count() == 1, () -> "a dead letter after 2 attempts");
        DeadLetters.Letter letter = store.list().get(0);
        assertEquals(reqid, letter.reqid());
        assertEquals(2, letter.attempts());
        assertTrue(letter.reason().contains("connection refused") || letter.reason().contains("refused"), letter.reason());
        appliance.stop();

        // The MTA is fixed: start again and replay.
        start(true, smtp.getSmtp().getPort(), "");
        int code = KiamMs.run("dead-letters", "replay", "--all", "--config", dir.resolve("kiam-ms.yaml").toString(),
                "--data", instance.paths.dataDir().toString());
        assertEquals(0, code);
        Await.until(Duration.ofSeconds(15), () -> mailedReqids().contains(reqid), () -> "the replayed audit is mailed");
        assertEquals(0, store.count(), "the dead letter is gone");
    }
}
