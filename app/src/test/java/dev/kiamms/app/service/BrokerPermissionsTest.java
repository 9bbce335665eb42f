package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.protocol.Subjects;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What each broker user may do, checked against the generated nats-server configuration. Every
 * "cannot receive" check has a control that receives the same message with the right user, so
 * the test cannot pass because nothing was sent.
 */
class BrokerPermissionsTest {

    @TempDir
    static Path dir;

    static TestInstance instance;
    static Appliance appliance;

    @BeforeAll
    static void start() throws IOException {
        instance = new TestInstance(dir, "service:\n  actions:\n    ip_location:\n      subscribe: false\n");
        appliance = instance.appliance();
        appliance.start();
    }

    @AfterAll
    static void stop() {
        appliance.stop();
    }

    /** A connection that records the broker's permission errors. */
    private static Connection connect(String url, List<String> errors) throws Exception {
        return Nats.connect(new Options.Builder().server(url).inboxPrefix(Subjects.INBOX_PREFIX)
                .errorListener(new ErrorListener() {
                    @Override
                    public void errorOccurred(Connection conn, String error) {
                        errors.add(error);
                    }
                }).build());
    }

    @Test
    void anonymousAndWrongPasswordAreRefused() {
        assertThrows(IOException.class, () -> Nats.connect(new Options.Builder().server(instance.anonymousUrl())
                .maxReconnects(0).connectionTimeout(Duration.ofSeconds(3)).build()));
        assertThrows(IOException.class, () -> Nats.connect(new Options.Builder()
                .server("nats://kiam:wrong@127.0.0.1:" + instance.port).maxReconnects(0).build()));
    }

    @Test
    void kiamCannotReadWhatItPublishesButMssCan() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        try (Connection kiam = connect(instance.url(BrokerCredentials.KIAM), errors);
             Connection mss = connect(instance.url(BrokerCredentials.MSS), new CopyOnWriteArrayList<>())) {
            Subscription spy = kiam.subscribe(Subjects.ALL);
            Subscription audits = kiam.subscribe(Subjects.AUDIT_PREFIX + ">");
            Subscription control = mss.subscribe(Subjects.AUDIT_PREFIX + ">");
            kiam.flush(Duration.ofSeconds(2));
            mss.flush(Duration.ofSeconds(2));

            kiam.publish(Subjects.audit("accountaddemail"), "{}".getBytes(StandardCharsets.UTF_8));
            kiam.flush(Duration.ofSeconds(2));

            assertNotNull(control.nextMessage(Duration.ofSeconds(3)), "mss receives the audit");
            assertNull(spy.nextMessage(Duration.ofMillis(300)), "kiam must not read kiam.console.>");
            assertNull(audits.nextMessage(Duration.ofMillis(300)), "kiam must not read audits");
            assertTrue(errors.stream().anyMatch(e -> e.contains("Permissions Violation") && e.contains("kiam.console.>")),
                    "broker refused the subscription: " + errors);
        }
    }

    @Test
    void mssMayAnswerRequestsButNotPublishAsKrossIam() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        try (Connection mss = connect(instance.url(BrokerCredentials.MSS), errors);
             KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM));
             Connection control = connect(instance.url(BrokerCredentials.MSS), new CopyOnWriteArrayList<>())) {
            Subscription watch = control.subscribe(Subjects.ACTION_PREFIX + ">");
            control.flush(Duration.ofSeconds(2));
            mss.publish(Subjects.action("iplocation"), "{}".getBytes(StandardCharsets.UTF_8));
            mss.flush(Duration.ofSeconds(2));
            assertNull(watch.nextMessage(Duration.ofMillis(500)), "mss must not publish requests");
            assertTrue(errors.stream().anyMatch(e -> e.contains("Permissions Violation") && e.contains("Publish")), errors.toString());

            // ...but answering a request into KrossIAM's inbox works.
            mss.createDispatcher(m -> mss.publish(m.getReplyTo(), "pong".getBytes(StandardCharsets.UTF_8)))
                    .subscribe(Subjects.action("ping"), "kiam-ms");
            mss.flush(Duration.ofSeconds(2));
            byte[] answer = kiam.connection().request(Subjects.action("ping"), new byte[0], Duration.ofSeconds(5)).getData();
            assertEquals("pong", new String(answer, StandardCharsets.UTF_8));
        }
    }

    @Test
    void kiamCannotReadAnotherInboxPrefix() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        try (Connection kiam = connect(instance.url(BrokerCredentials.KIAM), errors)) {
            kiam.subscribe("_INBOX.>");
            kiam.flush(Duration.ofSeconds(2));
            kiam.publish("kiam.console.log", new byte[0]);
            kiam.flush(Duration.ofSeconds(2));
            Thread.sleep(200);
            assertTrue(errors.stream().anyMatch(e -> e.contains("Permissions Violation") && e.contains("_INBOX.>")), errors.toString());
        }
    }
}
