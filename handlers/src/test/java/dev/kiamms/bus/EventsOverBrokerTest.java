package dev.kiamms.bus;

import dev.kiamms.metrics.HandlerCounts;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.Await;
import dev.kiamms.testing.NatsServerFixture;
import dev.kiamms.testing.PipelineHarness;
import dev.kiamms.testing.RecordingEventHandler;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Audits, notices and log records: fire-and-forget, so what is not handled must be dropped without harm. */
class EventsOverBrokerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String AUDIT = Subjects.audit("accountaddemail");
    private static final String NOTICE = Subjects.notice("accountaddemail");

    /** The audit payload as the protocol defines it. */
    public record AccountAddEmail(String newemail, String userid, String httpurl, String locale, List<String> mailto,
                                  String subject) {
    }

    private static NatsServerFixture nats;
    private static PipelineHarness pipeline;
    private static KrossIamClient kiam;
    private static final EnvelopeCodec CODEC = new EnvelopeCodec();

    private static final RecordingEventHandler<AccountAddEmail> AUDITS = new RecordingEventHandler<>(AUDIT,
            AccountAddEmail.class, p -> "fail".equals(p.userid()));
    private static final RecordingEventHandler<JsonNode> NOTICES = new RecordingEventHandler<>(NOTICE, JsonNode.class);
    private static final RecordingEventHandler<JsonNode> LOGS = new RecordingEventHandler<>(Subjects.LOG, JsonNode.class);

    @BeforeAll
    static void start() throws Exception {
        nats = NatsServerFixture.start();
        pipeline = PipelineHarness.builder().event(AUDITS).event(NOTICES).event(LOGS).connect(nats.url());
        kiam = KrossIamClient.connect(nats.url());
    }

    @AfterAll
    static void stop() throws Exception {
        if (kiam != null) {
            kiam.close();
        }
        if (pipeline != null) {
            pipeline.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    private static Map<String, Object> audit(String userid) {
        return Map.of("newemail", "new@example.com", "userid", userid, "httpurl", "https://iam.example.com",
                "locale", "zh-cn", "mailto", List.of("a@example.com", "b@example.com"), "subject", "\u003cnew\u003e email");
    }

    private static HandlerCounts counts(String subject) {
        return pipeline.stats().snapshot().handlers().getOrDefault(subject, new HandlerCounts(0, 0, 0, 0, 0));
    }

    private static void awaitRefused(String subject, long refused) {
        Await.until(TIMEOUT, () -> counts(subject).refused() >= refused,
                () -> subject + " refused " + counts(subject).refused() + ", expected " + refused);
    }

    @Test
    void auditReachesItsHandlerOnceDecoded() throws Exception {
        String reqid = kiam.publish(AUDIT, audit("alice"));
        RecordingEventHandler.Call<AccountAddEmail> call = AUDITS.awaitReqid(reqid, TIMEOUT);
        assertEquals(new AccountAddEmail("new@example.com", "alice", "https://iam.example.com", "zh-cn",
                List.of("a@example.com", "b@example.com"), "<new> email"), call.payload());
        assertEquals(AUDIT, call.context().subject());
        // A later audit on the same subscription arrives after any duplicate of the first would have.
        String after = kiam.publish(AUDIT, audit("bob"));
        AUDITS.awaitReqid(after, TIMEOUT);
        assertEquals(1, AUDITS.count(reqid));
    }

    @Test
    void unknownAuditKeyIsDroppedAndTheSubscriberKeepsWorking() throws Exception {
        String unknown = Subjects.audit("somethingnew");
        kiam.publish(unknown, Map.of("x", 1));
        awaitRefused(unknown, 1);
        String reqid = kiam.publish(AUDIT, audit("carol"));
        AUDITS.awaitReqid(reqid, TIMEOUT);
        assertTrue(AUDITS.calls().stream().noneMatch(c -> unknown.equals(c.context().subject())));
    }

    @Test
    void badEnvelopesAreDroppedAndTheSubscriberKeepsWorking() throws Exception {
        long refusedBefore = counts(AUDIT).refused();
        long now = MicroClock.system().nowMicros();
        kiam.connection().publish(AUDIT, CODEC.encodeEnvelope("1.0.0", now, "bad-version", audit("mallory")));
        kiam.connection().publish(AUDIT, CODEC.encodeEnvelope("0.1.1", now - 3_600_000_000L, "bad-time", audit("mallory")));
        kiam.connection().publish(AUDIT, "{not json".getBytes(StandardCharsets.UTF_8));
        kiam.connection().publish(AUDIT, CODEC.encodeEnvelope("0.1.1", now, "bad-payload", Map.of("mailto", "not-a-list")));
        String good = kiam.publish(AUDIT, audit("dave"));
        AUDITS.awaitReqid(good, TIMEOUT);
        // Same subscription, in order: all four were seen before the good one, and none was handled.
        assertEquals(refusedBefore + 4, counts(AUDIT).refused());
        for (String bad : List.of("bad-version", "bad-time", "bad-payload")) {
            assertEquals(0, AUDITS.count(bad), bad);
        }
    }

    @Test
    void aFailingHandlerDoesNotStopTheSubscription() throws Exception {
        long failedBefore = counts(AUDIT).failed();
        String failing = kiam.publish(AUDIT, audit("fail"));
        String next = kiam.publish(AUDIT, audit("erin"));
        AUDITS.awaitReqid(next, TIMEOUT);
        assertEquals(1, AUDITS.count(failing));
        assertEquals(failedBefore + 1, counts(AUDIT).failed());
    }

    @Test
    void noticeReachesItsHandler() throws Exception {
        String reqid = kiam.publish(NOTICE, Map.of("userid", "frank"));
        assertEquals("frank", NOTICES.awaitReqid(reqid, TIMEOUT).payload().get("userid").textValue());
    }

    @Test
    void logRecordsOfAnyJsonShapeReachTheLogHandler() throws Exception {
        Map<String, Object> record = Map.of("level", "info", "msg", "user logged in", "ts", 1700000000.5);
        List<Object> payloads = List.of(record, List.of("a", 1, true), "plain text", 42);
        for (Object payload : payloads) {
            String reqid = kiam.publish(Subjects.LOG, payload);
            JsonNode got = LOGS.awaitReqid(reqid, TIMEOUT).payload();
            assertEquals(CODEC.mapper().valueToTree(payload), got);
        }
    }
}
