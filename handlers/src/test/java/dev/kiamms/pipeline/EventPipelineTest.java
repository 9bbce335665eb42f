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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The event pipeline with real envelopes and no broker: which handler a subject reaches, what each
 * kind of failure becomes, the counters, and which repeats are handled again.
 */
class EventPipelineTest {

    private static final String AUDIT = Subjects.audit("accountaddemail");
    private static final String NOTICES = Subjects.NOTICE_PREFIX + ">";

    private final AtomicLong micros = new AtomicLong(1_700_000_000_000_000L);
    private final EnvelopeCodec codec = new EnvelopeCodec();
    private final Intake intake = new Intake(codec, new EnvelopeValidator(), micros::get);
    private final CountingStats stats = new CountingStats();

    /** A handler that records each payload and then does what {@code behaviour} says. */
    private static final class Handler implements EventHandler<JsonNode> {
        final String subject;
        final boolean blocking;
        final List<String> reqids = new CopyOnWriteArrayList<>();
        volatile Exception toThrow;

        Handler(String subject, boolean blocking) {
            this.subject = subject;
            this.blocking = blocking;
        }

        @Override
        public String subject() {
            return subject;
        }

        @Override
        public Class<JsonNode> payloadType() {
            return JsonNode.class;
        }

        @Override
        public boolean blocking() {
            return blocking;
        }

        @Override
        public void handle(JsonNode payload, MessageContext context) throws Exception {
            reqids.add(context.reqid());
            if (toThrow != null) {
                throw toThrow;
            }
        }
    }

    private byte[] envelope(String reqid) {
        return codec.encodeEnvelope(ProtocolVersion.SERVER.toString(), micros.get(), reqid, Map.of("n", 1));
    }

    private HandlerCounts counts(String subject) {
        return stats.snapshot().handlers().get(subject);
    }

    @Test
    void aTargetHandsEachSubjectToItsBoundHandlerAndRefusesTheRest() {
        Handler login = new Handler(Subjects.NOTICE_PREFIX + "login", true);
        Handler all = new Handler(NOTICES, false);
        EventPipeline p = new EventPipeline(intake, stats);
        EventTarget byLogin = EventTarget.bySubject(Map.of(login.subject(), login));
        EventTarget toAll = EventTarget.of(all);

        String logout = Subjects.NOTICE_PREFIX + "logout";
        assertInstanceOf(EventPipeline.Outcome.Handled.class,
                p.deliver(byLogin.handlerFor(login.subject()), login.subject(), envelope("r1")));
        assertInstanceOf(EventPipeline.Outcome.Handled.class, p.deliver(toAll.handlerFor(logout), logout, envelope("r2")));
        assertEquals(List.of("r1"), login.reqids);
        assertEquals(List.of("r2"), all.reqids);
        assertEquals(1, counts(login.subject()).handled());

        assertEquals(new EventPipeline.Outcome.Refused("no handler for " + logout), p.deliver(byLogin.handlerFor(logout), logout, envelope("r3")));
        assertEquals(1, counts(logout).refused());
    }

    @Test
    void theReqidIsKnownOnceAMessageIsReceivedBeforeItIsHandled() {
        Handler h = new Handler(AUDIT, true);
        EventPipeline p = new EventPipeline(intake, stats);

        EventPipeline.Received<?> good = p.receive(h, AUDIT, envelope("g1"));
        assertEquals("g1", good.reqid());
        assertTrue(h.reqids.isEmpty(), "receiving does not handle");
        assertInstanceOf(EventPipeline.Outcome.Handled.class, p.deliver(good, false));
        assertEquals(List.of("g1"), h.reqids);

        // Refused ones keep what could be read of their reqid, for the log line and a dead letter.
        byte[] badVersion = "{\"version\":1,\"time\":1,\"reqid\":\"b1\",\"payload\":{}}".getBytes(StandardCharsets.UTF_8);
        EventPipeline.Received<?> bad = p.receive(h, AUDIT, badVersion);
        assertEquals("b1", bad.reqid());
        assertInstanceOf(EventPipeline.Outcome.Refused.class, p.deliver(bad, false));
        EventPipeline.Received<?> unknown = p.receive(null, Subjects.LOG, envelope("u1"));
        assertEquals("u1", unknown.reqid());
        assertEquals(new EventPipeline.Outcome.Refused("no handler for " + Subjects.LOG), p.deliver(unknown, false));
        assertEquals(null, p.receive(h, AUDIT, "not json".getBytes(StandardCharsets.UTF_8)).reqid());
        assertEquals(List.of("g1"), h.reqids);
    }

    @Test
    void eachKindOfFailureBecomesItsOutcomeAndIsCounted() {
        Handler h = new Handler(AUDIT, true);
        EventPipeline p = new EventPipeline(intake, stats);

        EventPipeline.Outcome bad = p.deliver(h, AUDIT, "not json".getBytes(StandardCharsets.UTF_8));
        assertInstanceOf(EventPipeline.Outcome.Refused.class, bad);
        assertEquals(1, counts(AUDIT).refused());
        assertTrue(h.reqids.isEmpty(), "a refused message never reaches the handler");

        h.toThrow = new ActionException("the mail may have gone out", false);
        assertEquals(new EventPipeline.Outcome.Failed("the mail may have gone out", false), p.deliver(h, AUDIT, envelope("f1")));
        h.toThrow = new ActionException("try later");
        assertEquals(new EventPipeline.Outcome.Failed("try later", true), p.deliver(h, AUDIT, envelope("f2")));
        h.toThrow = new IllegalArgumentException("no valid address");
        assertEquals(new EventPipeline.Outcome.Refused("no valid address"), p.deliver(h, AUDIT, envelope("f3")));
        h.toThrow = new IllegalStateException("bug");
        assertEquals(new EventPipeline.Outcome.Failed("java.lang.IllegalStateException: bug", true), p.deliver(h, AUDIT, envelope("f4")));
        assertEquals(4, counts(AUDIT).failed());
        assertEquals(0, counts(AUDIT).handled());

        h.toThrow = null;
        assertInstanceOf(EventPipeline.Outcome.Handled.class, p.deliver(h, AUDIT, envelope("ok")));
        assertEquals(1, counts(AUDIT).handled());
        assertTrue(counts(AUDIT).totalNanos() >= 0);
    }

    @Test
    void anAuditIsHandledOnceUnlessItFailedRetryablyOrALedgerVouchesForIt() {
        Handler audits = new Handler(AUDIT, true);
        Handler notices = new Handler(NOTICES, false);
        RecentRequests recent = new RecentRequests(Duration.ofMinutes(5), 1000);
        EventPipeline p = new EventPipeline(intake, stats, recent);

        assertInstanceOf(EventPipeline.Outcome.Handled.class, p.deliver(audits, AUDIT, envelope("a1")));
        assertEquals(new EventPipeline.Outcome.Duplicate(false), p.deliver(audits, AUDIT, envelope("a1")));
        assertEquals(List.of("a1"), audits.reqids);
        assertEquals(1, counts(AUDIT).duplicates());

        // the durable ledger has decided: not a repeat, even though the window has seen it
        assertInstanceOf(EventPipeline.Outcome.Handled.class, p.deliver(audits, AUDIT, envelope("a1"), micros.get(), true));
        assertEquals(List.of("a1", "a1"), audits.reqids);

        audits.toThrow = new ActionException("try later");
        p.deliver(audits, AUDIT, envelope("a2"));
        audits.toThrow = null;
        assertInstanceOf(EventPipeline.Outcome.Handled.class, p.deliver(audits, AUDIT, envelope("a2")), "a retryable failure is forgotten");

        audits.toThrow = new ActionException("may have gone out", false);
        p.deliver(audits, AUDIT, envelope("a3"));
        audits.toThrow = null;
        assertEquals(new EventPipeline.Outcome.Duplicate(false), p.deliver(audits, AUDIT, envelope("a3")), "a final failure is kept");

        String notice = Subjects.NOTICE_PREFIX + "login";
        p.deliver(notices, notice, envelope("n1"));
        p.deliver(notices, notice, envelope("n1"));
        assertEquals(List.of("n1", "n1"), notices.reqids, "notices are not checked for repeats");
    }
}
