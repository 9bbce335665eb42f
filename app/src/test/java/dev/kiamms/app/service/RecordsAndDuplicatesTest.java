package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.Reply;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.Await;
import dev.kiamms.testing.GeoIpTestData;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Notices and KrossIAM log records written as JSON lines; a repeated reqid answered once. */
class RecordsAndDuplicatesTest {

    @TempDir
    Path dir;

    private Appliance appliance;

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.stop();
        }
    }

    private TestInstance start() throws Exception {
        TestInstance instance = new TestInstance(dir, "geoip:\n  path: " + GeoIpTestData.city(dir) + "\n");
        appliance = instance.appliance();
        appliance.start();
        return instance;
    }

    private static List<JsonNode> lines(Path file) throws Exception {
        ObjectMapper json = new ObjectMapper();
        if (!Files.exists(file)) {
            return List.of();
        }
        return Files.readAllLines(file).stream().map(l -> {
            try {
                return json.readTree(l);
            } catch (Exception e) {
                throw new IllegalStateException(l, e);
            }
        }).toList();
    }

    @Test
    void noticesAndLogRecordsAreWrittenAsJsonLinesWithSecretsMasked() throws Exception {
        TestInstance instance = start();
        Path logs = instance.paths.dataDir().resolve("logs");
        String noticeReqid;
        String logReqid;
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            noticeReqid = kiam.publish(Subjects.notice("accountaddemail"), Map.of("userid", "jane", "password", "hunter2"));
            logReqid = kiam.publish(Subjects.LOG, Map.of("level", "info", "msg", "user jane signed in"));
            kiam.flush(Duration.ofSeconds(5));
        }
        Await.until(Duration.ofSeconds(10), () -> {
            try {
                return lines(logs.resolve("notices.jsonl")).size() == 1 && lines(logs.resolve("krossiam-log.jsonl")).size() == 1;
            } catch (Exception e) {
                return false;
            }
        }, () -> "one notice and one log record written");
        JsonNode notice = lines(logs.resolve("notices.jsonl")).get(0);
        assertEquals(noticeReqid, notice.path("reqid").asText());
        assertEquals("kiam.console.notice.accountaddemail", notice.path("subject").asText());
        assertEquals("jane", notice.path("payload").path("userid").asText());
        assertEquals("****", notice.path("payload").path("password").asText());
        assertFalse(Files.readString(logs.resolve("notices.jsonl")).contains("hunter2"));
        JsonNode log = lines(logs.resolve("krossiam-log.jsonl")).get(0);
        assertEquals(logReqid, log.path("reqid").asText());
        assertEquals("user jane signed in", log.path("payload").path("msg").asText());
    }

    @Test
    void aRepeatedMailRequestGetsTheFirstReplyAndSendsOneMail() throws Exception {
        TestInstance instance = start();
        EnvelopeCodec codec = new EnvelopeCodec();
        String reqid = KrossIamClient.newReqid();
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            byte[] body = codec.encodeEnvelope("0.1.1", dev.kiamms.pipeline.MicroClock.system().nowMicros(), reqid,
                    Map.of("subject", "Verify", "userid", "jane", "to", "jane@example.com",
                            "href", "https://iam.example.com/verify?t=1", "locale", "en", "expire", "soon"));
            Reply first = kiam.requestRaw(Subjects.action("sendverifyemail"), body, reqid, Duration.ofSeconds(10)).reply();
            Reply second = kiam.requestRaw(Subjects.action("sendverifyemail"), body, reqid, Duration.ofSeconds(10)).reply();
            assertEquals(0, first.code(), first.message());
            assertEquals(first, second, "the same reply, time included");

            // A read-only lookup is simply answered again.
            byte[] lookup = codec.encodeEnvelope("0.1.1", dev.kiamms.pipeline.MicroClock.system().nowMicros(), reqid,
                    Map.of("ipaddr", "81.2.69.142", "locale", "en"));
            assertEquals(0, kiam.requestRaw(Subjects.action("iplocation"), lookup, reqid, Duration.ofSeconds(5)).reply().code());
            assertEquals(0, kiam.requestRaw(Subjects.action("iplocation"), lookup, reqid, Duration.ofSeconds(5)).reply().code());
        }
        try (java.util.stream.Stream<Path> outbox = Files.list(instance.paths.dataDir().resolve("outbox"))) {
            assertEquals(1, outbox.filter(p -> p.toString().endsWith(".eml")).count(), "one mail, not two");
        }
        Await.until(Duration.ofSeconds(5), () -> appliance.stats().snapshot().handlers().get("sendverifyemail").duplicates() == 1,
                () -> "one repeat counted");
        assertEquals(2, appliance.stats().snapshot().handlers().get("iplocation").handled());
    }
}
