package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.tail.BusTail;
import dev.kiamms.app.tail.TailFormat;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.iplocation.IpLocationRequest;
import dev.kiamms.protocol.Subjects;

import io.nats.client.Connection;
import io.nats.client.Nats;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiam-ms tail} on the real broker, connected as its read-only user. */
class BusTailTest {

    @TempDir
    static Path dir;

    static TestInstance instance;
    static Appliance appliance;

    @BeforeAll
    static void start() throws Exception {
        instance = new TestInstance(dir, "");
        appliance = instance.appliance();
        appliance.start();
    }

    @AfterAll
    static void stop() {
        appliance.stop();
    }

    @Test
    void printsTheChosenKindsOnlyOneLineEachWithSecretsMasked() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (Connection connection = Nats.connect(instance.url(BrokerCredentials.TAIL));
             BusTail tail = new BusTail(connection, new TailFormat(false), new java.io.PrintWriter(new java.io.OutputStreamWriter(buffer, StandardCharsets.UTF_8), true), 2);
             KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            List<String> watched = tail.start(EnumSet.of(BusTail.Kind.NOTICE, BusTail.Kind.ACTION));
            assertEquals(List.of(Subjects.NOTICE_PREFIX + ">", Subjects.ACTION_PREFIX + ">"), watched);

            String auditReqid = kiam.publish(Subjects.audit("accountaddemail"), Map.of("newemail", "n@example.com"));
            String noticeReqid = kiam.publish(Subjects.notice("signin"), Map.of("userid", "u1", "password", "hunter2"));
            kiam.flush(Duration.ofSeconds(2));
            // The action still reaches kiam-ms and is answered: the tail only watches.
            assertEquals(1, kiam.request("iplocation", new IpLocationRequest("127.0.0.1", "en"), Duration.ofSeconds(5)).reply().code());

            assertTrue(tail.await(Duration.ofSeconds(5)), "two messages printed: " + buffer);
            List<String> lines = buffer.toString(StandardCharsets.UTF_8).lines().toList();
            assertEquals(2, lines.size(), lines.toString());
            assertTrue(lines.get(0).contains("  kiam.console.notice.signin  " + noticeReqid + "  {"), lines.get(0));
            assertTrue(lines.get(0).contains("\"userid\":\"u1\"") && lines.get(0).contains("\"password\":\"****\""), lines.get(0));
            assertTrue(lines.get(1).contains("  kiam.console.action.iplocation  "), lines.get(1));
            assertFalse(buffer.toString(StandardCharsets.UTF_8).contains(auditReqid), "audits were not chosen");
            assertFalse(buffer.toString(StandardCharsets.UTF_8).contains("hunter2"));
        }
    }
}
