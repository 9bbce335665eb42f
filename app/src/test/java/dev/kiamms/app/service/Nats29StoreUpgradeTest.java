package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.bus.DurableEvents;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.mail.AccountAddEmailAudit;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.Await;
import dev.kiamms.testing.FreePorts;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * A data directory of kiam-ms 0.1.0, whose broker was Debian bookworm's nats-server 2.9.10, starts
 * under the current broker with nothing lost: the JetStream store in
 * {@code fixtures/jetstream-nats-2.9.10.tar.gz} was written by that nats-server, through
 * kiam-ms's own stream and durable consumer ({@link DurableEvents}). It holds four
 * {@code accountaddemail} audits: the first was mailed and acknowledged before the store was
 * packed, the other three were published while the audit subscribers were off and are pending.
 *
 * <p>{@link #makeTheFixture} made that store, once; {@code scripts/make-nats-2.9-store-fixture}
 * runs it against nats-server 2.9.10 and packs the result. It does nothing in a normal build.
 */
class Nats29StoreUpgradeTest {

    private static final Path TEMPLATES = Path.of(System.getProperty("kiamms.root"), "conf", "templates");
    private static final Path FIXTURE = Path.of(System.getProperty("kiamms.root"),
            "app", "src", "test", "resources", "fixtures", "jetstream-nats-2.9.10.tar.gz");
    private static final String ACKED = "acked@example.com";
    private static final List<String> PENDING = List.of("pending1@example.com", "pending2@example.com", "pending3@example.com");

    @TempDir
    Path dir;

    private final int port = FreePorts.next();
    private final int monitorPort = FreePorts.next();
    private Appliance appliance;
    private GreenMail smtp;

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.stop();
        }
        if (smtp != null) {
            smtp.stop();
        }
    }

    @Test
    @DisabledIfSystemProperty(named = "kiamms.makeStoreFixture", matches = ".+")
    void theStoreOfNats2910StartsUnderTheCurrentBrokerWithNothingLost() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Process tar = new ProcessBuilder("tar", "-xzf", FIXTURE.toString(), "-C", data.toString())
                .redirectErrorStream(true).start();
        String tarOutput = new String(tar.getInputStream().readAllBytes());
        assertEquals(0, tar.waitFor(), "unpacking " + FIXTURE + ": " + tarOutput);

        smtp = new GreenMail(new ServerSetup(FreePorts.next(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        TestInstance instance = prepare(true, "  mtas:\n    - name: local\n      host: 127.0.0.1\n      port: "
                + smtp.getSmtp().getPort() + "\n      sender: noreply@example.com\n");
        String running = appliance.start().natsServerVersion();
        // A build told to use 2.9 itself (KIAM_NATS_ALLOW_OLD=1) has nothing to upgrade.
        assumeFalse(running.contains("v2.9."), "the broker is " + running + ", the fixture's own");

        Await.until(Duration.ofSeconds(30), () -> smtp.getReceivedMessages().length >= PENDING.size(),
                () -> "the three pending audits mailed, got " + recipients());
        try (Connection mss = Nats.connect(instance.url(BrokerCredentials.MSS))) {
            JetStreamManagement jsm = mss.jetStreamManagement();
            Await.until(Duration.ofSeconds(10), () -> ackPending(jsm) == 0, () -> "every audit acknowledged");
            ConsumerInfo audits = jsm.getConsumerInfo(DurableEvents.STREAM, DurableEvents.AUDIT_CONSUMER);
            assertEquals(0, audits.getNumPending(), "nothing left for the consumer");
            assertEquals(4, audits.getAckFloor().getStreamSequence(), "all four audits acknowledged, in order");
            assertEquals(0, audits.getRedelivered(), "the acknowledged one was not delivered again");
            assertEquals(4, jsm.getStreamInfo(DurableEvents.STREAM).getStreamState().getMsgCount(),
                    "the stream still holds all four audits");
        }
        Thread.sleep(500); // a duplicate would arrive now
        assertEquals(PENDING, recipients().stream().sorted().toList(), "each pending audit mailed exactly once, the acked one not again");
    }

    private long ackPending(JetStreamManagement jsm) {
        try {
            return jsm.getConsumerInfo(DurableEvents.STREAM, DurableEvents.AUDIT_CONSUMER).getNumAckPending();
        } catch (Exception e) {
            return -1;
        }
    }

    private List<String> recipients() {
        List<String> out = new ArrayList<>();
        for (MimeMessage m : smtp.getReceivedMessages()) {
            try {
                for (Address a : m.getAllRecipients()) {
                    out.add(a.toString());
                }
            } catch (MessagingException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /**
     * Fills the data directory {@code kiamms.makeStoreFixture} with the store the test above reads,
     * running kiam-ms with whatever nats-server {@code NATS_SERVER_BIN} names (2.9.10 for the fixture):
     * one audit mailed to the outbox and acknowledged, then three published with the audit
     * subscribers off, so that the durable consumer holds them pending.
     */
    @Test
    @EnabledIfSystemProperty(named = "kiamms.makeStoreFixture", matches = ".+")
    void makeTheFixture() throws Exception {
        dir = Files.createDirectories(Path.of(System.getProperty("kiamms.makeStoreFixture")));
        TestInstance instance = prepare(true, "");
        System.out.println("fixture made with " + appliance.start().natsServerVersion());
        publish(instance, List.of(ACKED));
        Path outbox = instance.paths.dataDir().resolve("outbox");
        Await.until(Duration.ofSeconds(20), () -> emlCount(outbox) == 1, () -> "the first audit mailed to the outbox");
        try (Connection mss = Nats.connect(instance.url(BrokerCredentials.MSS))) {
            JetStreamManagement jsm = mss.jetStreamManagement();
            Await.until(Duration.ofSeconds(10), () -> ackPending(jsm) == 0, () -> "the first audit acknowledged");
        }
        appliance.stop();

        instance = prepare(false, "");
        appliance.start();
        publish(instance, PENDING);
        try (Connection mss = Nats.connect(instance.url(BrokerCredentials.MSS))) {
            JetStreamManagement jsm = mss.jetStreamManagement();
            Await.until(Duration.ofSeconds(10), () -> {
                try {
                    return jsm.getStreamInfo(DurableEvents.STREAM).getStreamState().getMsgCount() == 4;
                } catch (Exception e) {
                    return false;
                }
            }, () -> "four audits in the stream");
            ConsumerInfo audits = jsm.getConsumerInfo(DurableEvents.STREAM, DurableEvents.AUDIT_CONSUMER);
            assertEquals(3, audits.getNumPending(), "three audits pending");
            assertEquals(1, audits.getAckFloor().getStreamSequence(), "the first acknowledged");
        }
        appliance.stop();
        appliance = null;
    }

    private static long emlCount(Path outbox) {
        try (Stream<Path> s = Files.list(outbox)) {
            return s.filter(p -> p.toString().endsWith(".eml")).count();
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static void publish(TestInstance instance, List<String> mailto) throws Exception {
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            for (String to : mailto) {
                kiam.publish(Subjects.audit("accountaddemail"), new AccountAddEmailAudit("new@example.com", to,
                        "https://iam.example.com", "en", List.of(to), "Address added"));
            }
            kiam.flush(Duration.ofSeconds(5));
        }
    }

    /**
     * An appliance on this test's ports and data directory, not yet started. The store's messages
     * are as old as the fixture: the stream keeps them for 100 years instead of the default 7 days,
     * or the broker would drop them as expired when it loads the store.
     */
    private TestInstance prepare(boolean audits, String mtas) throws Exception {
        Path config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, "health:\n  port: 0\nbroker:\n  port: " + port + "\n  monitor_port: " + monitorPort + "\n"
                + "  jetstream:\n    max_age_hours: 876000\n"
                + "service:\n  audits:\n    subscribe: " + audits + "\n"
                + "mail:\n  template_dir: " + TEMPLATES + "\n" + mtas);
        TestInstance instance = new TestInstance(dir, config, port, monitorPort);
        appliance = instance.appliance();
        return instance;
    }
}
