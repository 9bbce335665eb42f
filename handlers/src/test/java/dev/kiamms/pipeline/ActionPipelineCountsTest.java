package dev.kiamms.pipeline;

import dev.kiamms.metrics.CountingStats;
import dev.kiamms.metrics.HandlerCounts;

import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.EnvelopeValidator;
import dev.kiamms.protocol.ProtocolVersion;
import dev.kiamms.protocol.Subjects;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the action pipeline counts for each outcome: the numbers `status` and /metrics show. */
class ActionPipelineCountsTest {

    private static final String KEY = "echo";

    private final AtomicLong micros = new AtomicLong(1_700_000_000_000_000L);
    private final EnvelopeCodec codec = new EnvelopeCodec();
    private final Intake intake = new Intake(codec, new EnvelopeValidator(), micros::get);
    private final CountingStats stats = new CountingStats();

    private static final class Handler implements ActionHandler<JsonNode> {
        volatile Exception toThrow;
        volatile long workNanos;

        @Override
        public String key() {
            return KEY;
        }

        @Override
        public Class<JsonNode> payloadType() {
            return JsonNode.class;
        }

        @Override
        public Object handle(JsonNode payload, MessageContext context) throws ActionException {
            long until = System.nanoTime() + workNanos;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            if (toThrow instanceof ActionException a) {
                throw a;
            }
            if (toThrow instanceof RuntimeException r) {
                throw r;
            }
            return payload;
        }
    }

    private byte[] envelope(String reqid) {
        return codec.encodeEnvelope(ProtocolVersion.SERVER.toString(), micros.get(), reqid, Map.of("n", 1));
    }

    private int code(byte[] reply) throws Exception {
        return codec.mapper().readTree(reply).path("code").asInt();
    }

    @Test
    void eachOutcomeIsCountedOnce() throws Exception {
        Handler h = new Handler();
        ActionPipeline p = new ActionPipeline(intake, stats, new RecentRequests(Duration.ofMinutes(5), 100));
        String subject = Subjects.action(KEY);

        h.workNanos = Duration.ofMillis(5).toNanos();
        assertEquals(0, code(p.answer(h, subject, envelope("a1"))));
        HandlerCounts c = stats.snapshot().handlers().get(KEY);
        assertEquals(1, c.handled());
        assertTrue(c.totalNanos() >= Duration.ofMillis(5).toNanos(), "the handler's time is counted: " + c.totalNanos());
        h.workNanos = 0;

        assertEquals(0, code(p.answer(h, subject, envelope("a1"))));
        assertEquals(1, stats.snapshot().handlers().get(KEY).duplicates(), "a repeat is counted as one");
        assertEquals(1, stats.snapshot().handlers().get(KEY).handled(), "and not as handled");

        assertTrue(code(p.answer(h, subject, "not json".getBytes(StandardCharsets.UTF_8))) != 0);
        assertEquals(1, stats.snapshot().handlers().get(KEY).refused());

        h.toThrow = new ActionException("no");
        assertEquals(1, code(p.answer(h, subject, envelope("a2"))));
        h.toThrow = new IllegalStateException("bug");
        assertEquals(1, code(p.answer(h, subject, envelope("a3"))));
        c = stats.snapshot().handlers().get(KEY);
        assertEquals(2, c.failed());
        assertEquals(1, c.handled());
        assertEquals(1, c.refused());
        assertEquals(1, c.duplicates());
    }

    /** Read where it arrives, answered later (on a worker): the reqid is known in between and named in the reply. */
    @Test
    void aRequestReadFirstIsAnsweredLaterUnderItsReqid() throws Exception {
        Handler h = new Handler();
        ActionPipeline p = new ActionPipeline(intake, stats);
        String subject = Subjects.action(KEY);

        ActionPipeline.Request<JsonNode> request = p.read(h, subject, envelope("late1"));
        assertEquals("late1", request.reqid());
        assertEquals(null, stats.snapshot().handlers().get(KEY), "reading alone counts nothing");
        JsonNode reply = codec.mapper().readTree(p.answer(request));
        assertEquals("late1", reply.path("reqid").textValue());
        assertEquals(0, reply.path("code").asInt());
        assertEquals(1, reply.path("payload").path("n").asInt());

        byte[] badTime = "{\"version\":\"0.1.1\",\"time\":\"x\",\"reqid\":\"late2\",\"payload\":{}}".getBytes(StandardCharsets.UTF_8);
        ActionPipeline.Request<JsonNode> refused = p.read(h, subject, badTime);
        assertEquals("late2", refused.reqid());
        reply = codec.mapper().readTree(p.answer(refused));
        assertEquals("late2", reply.path("reqid").textValue());
        assertEquals(1, reply.path("code").asInt());
        assertTrue(reply.path("message").textValue().contains("'time'"), reply.toString());
    }
}
