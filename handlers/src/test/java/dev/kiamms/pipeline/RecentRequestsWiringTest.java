package dev.kiamms.pipeline;

import dev.kiamms.metrics.CountingStats;

import dev.kiamms.mail.MailComposer;
import dev.kiamms.mail.SendVerifyEmailHandler;
import dev.kiamms.mail.VerifyEmailRequest;
import dev.kiamms.mail.delivery.MailDelivery;
import dev.kiamms.mail.delivery.MtaConfig;
import dev.kiamms.mail.delivery.ScriptedSmtpServer;
import dev.kiamms.mail.delivery.SmtpTimeouts;
import dev.kiamms.mail.template.MailTemplates;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.EnvelopeValidator;
import dev.kiamms.protocol.ProtocolVersion;
import dev.kiamms.protocol.ReplyCode;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.RecordingActionHandler;
import dev.kiamms.testing.RecordingEventHandler;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The duplicate window as the real pipelines use it, with real envelopes: what is run once,
 * what is run again.
 */
class RecentRequestsWiringTest {

    private static final String KEY = "echo";
    private static final String SUBJECT = Subjects.action(KEY);
    /** The shipped templates, as operators get them. */
    private static final Path SHIPPED_TEMPLATES = Path.of(System.getProperty("kiamms.root", "../"), "conf", "templates");

    private final AtomicLong micros = new AtomicLong(1_700_000_000_000_000L);
    private final AtomicLong nanos = new AtomicLong();
    private final EnvelopeCodec codec = new EnvelopeCodec();
    private final Intake intake = new Intake(codec, new EnvelopeValidator(), micros::get);
    private final CountingStats stats = new CountingStats();
    private final RecentRequests recent = new RecentRequests(Duration.ofMinutes(5), 10_000, Duration.ofSeconds(60), nanos::get);
    private final ActionPipeline pipeline = new ActionPipeline(intake, stats, recent);

    private <P> byte[] answer(ActionHandler<P> handler, String subject, byte[] body) {
        return pipeline.answer(handler, subject, body);
    }

    private byte[] request(String reqid, String version, long timeMicros, Object payload) {
        return codec.encodeEnvelope(version, timeMicros, reqid, payload);
    }

    private byte[] request(String reqid, Object payload) {
        return request(reqid, ProtocolVersion.SERVER.toString(), micros.get(), payload);
    }

    private JsonNode decode(byte[] reply) throws Exception {
        return codec.mapper().readTree(reply);
    }

    @Test
    void aDuplicateRequestGetsTheFirstReplyAndTheHandlerRunsOnce() throws Exception {
        RecordingActionHandler<JsonNode> handler = RecordingActionHandler.echo(KEY, JsonNode.class);
        byte[] body = request("0123456789abcdef0123456789abcdef", Map.of("n", 1));

        byte[] first = answer(handler, SUBJECT, body);
        micros.addAndGet(2_000_000); // the copy arrives 2 s later: its reply still carries the first time
        byte[] second = answer(handler, SUBJECT, body);

        assertArrayEquals(first, second);
        assertEquals(1, handler.count());
        JsonNode reply = decode(second);
        assertEquals(0, reply.get("code").asInt());
        assertEquals(1, reply.get("payload").get("n").asInt());
        assertEquals(1, recent.hits());
    }

    @Test
    void aStaleCopyIsValidatedBeforeTheWindowIsAsked() throws Exception {
        // The window is consulted after validation, so the hot path parses each request once; a
        // copy older than the protocol's 10 s limit is refused as any stale request is.
        RecordingActionHandler<JsonNode> handler = RecordingActionHandler.echo(KEY, JsonNode.class);
        byte[] body = request("feedfacefeedfacefeedfacefeedface", Map.of("n", 2));
        assertEquals(0, decode(answer(handler, SUBJECT, body)).get("code").asInt());

        micros.addAndGet(30_000_000);
        nanos.addAndGet(Duration.ofSeconds(30).toNanos());
        assertEquals(ReplyCode.TIME_INVALID.value(), decode(answer(handler, SUBJECT, body)).get("code").asInt());
        assertEquals(1, handler.count());
    }

    @Test
    void aMailThatMayHaveGoneOutIsNotSentAgainForTheSameReqid() throws Exception {
        // The real path: the real handler and delivery, and an MTA that reads the whole message
        // and hangs up instead of answering the end of the data. It may have queued the mail, so
        // a repeat of the request (KrossIAM retrying, a redelivery) must not send it again.
        try (ScriptedSmtpServer mta = new ScriptedSmtpServer();
             MailDelivery delivery = new MailDelivery(List.of(new MtaConfig("main", "127.0.0.1", mta.port(), false,
                     "KrossIAM <sender@kiam.test>", "", List.of(), List.of(), "", "")), "",
                     new SmtpTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(3)), null)) {
            mta.endReply = ScriptedSmtpServer.CLOSE;
            MailTemplates templates = MailTemplates.load(SHIPPED_TEMPLATES);
            MailComposer composer = new MailComposer(() -> templates, "");
            SendVerifyEmailHandler handler = new SendVerifyEmailHandler(() -> composer, () -> delivery);
            String reqid = "00000000000000000000000000000009";
            byte[] body = codec.encodeEnvelope(ProtocolVersion.SERVER.toString(), micros.get(), reqid,
                    new VerifyEmailRequest("Verify your email", "alice", "alice@example.org",
                            "https://iam.example.com/verify?token=t0k3n", "en", "in 30 minutes"));
            String subject = Subjects.action(SendVerifyEmailHandler.KEY);

            byte[] first = pipeline.answer(handler, subject, body);
            micros.addAndGet(2_000_000);
            byte[] second = pipeline.answer(handler, subject, body);

            assertEquals(1, mta.commands().stream().filter(c -> c.equalsIgnoreCase("DATA")).count(),
                    "DATA commands for one reqid: " + mta.commands());
            assertArrayEquals(first, second, "the repeat gets the first reply");
            assertEquals(1, recent.hits());
            JsonNode reply = decode(first);
            System.out.println("reply to both copies: " + reply);
            assertEquals(ReplyCode.GENERAL_ERROR.value(), reply.get("code").asInt());
            String message = reply.get("message").asText();
            assertTrue(message.contains("may have been delivered"), message);
            assertTrue(message.contains("not be sent again"), message);
        }
    }

    @Test
    void aRefusedRequestIsNotRemembered() throws Exception {
        RecordingActionHandler<JsonNode> handler = RecordingActionHandler.echo(KEY, JsonNode.class);
        String reqid = "00000000000000000000000000000001";
        byte[] refused = answer(handler, SUBJECT, request(reqid, "0.2.0", micros.get(), Map.of("n", 3)));
        assertEquals(ReplyCode.VERSION_INCOMPATIBLE.value(), decode(refused).get("code").asInt());
        assertEquals(0, handler.count());

        byte[] ok = answer(handler, SUBJECT, request(reqid, Map.of("n", 3)));
        assertEquals(0, decode(ok).get("code").asInt());
        assertEquals(1, handler.count());
        assertEquals(0, recent.hits());
    }

    @Test
    void aFailedActionRunsAgainOnTheNextCopy() throws Exception {
        int[] calls = {0};
        RecordingActionHandler<JsonNode> handler = new RecordingActionHandler<>(KEY, JsonNode.class, (p, c) -> {
            if (calls[0]++ == 0) {
                throw new ActionException("every MTA refused the message");
            }
            return null;
        });
        byte[] body = request("00000000000000000000000000000002", Map.of("n", 4));
        JsonNode failed = decode(answer(handler, SUBJECT, body));
        assertEquals(1, failed.get("code").asInt());
        assertEquals("every MTA refused the message", failed.get("message").asText());

        assertEquals(0, decode(answer(handler, SUBJECT, body)).get("code").asInt());
        assertEquals(0, decode(answer(handler, SUBJECT, body)).get("code").asInt());
        assertEquals(2, handler.count());
        assertEquals(1, recent.hits());
    }

    @Test
    void malformedBodiesWithoutAReqidAreNeverRemembered() throws Exception {
        RecordingActionHandler<JsonNode> handler = RecordingActionHandler.echo(KEY, JsonNode.class);
        byte[] garbage = "not json".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1, decode(answer(handler, SUBJECT, garbage)).get("code").asInt());
        assertEquals(1, decode(answer(handler, SUBJECT, garbage)).get("code").asInt());
        assertEquals(0, recent.size());
    }

    @Test
    void anAuditIsHandledOnceAndAFailedOneIsRetried() {
        String subject = Subjects.audit("accountaddemail");
        boolean[] fail = {true};
        RecordingEventHandler<JsonNode> handler = new RecordingEventHandler<>(subject, JsonNode.class, p -> fail[0]);
        EventPipeline events = new EventPipeline(intake, stats, recent);
        String reqid = "00000000000000000000000000000003";
        byte[] body = request(reqid, Map.of("userid", "u"));

        EventPipeline.Outcome failed = events.deliver(handler, subject, body);
        assertTrue(assertInstanceOf(EventPipeline.Outcome.Failed.class, failed).retryable());

        fail[0] = false;
        assertInstanceOf(EventPipeline.Outcome.Handled.class, events.deliver(handler, subject, body),
                "the redelivery of a failed audit is handled");
        EventPipeline.Outcome copy = events.deliver(handler, subject, body);
        assertTrue(!assertInstanceOf(EventPipeline.Outcome.Duplicate.class, copy).running(), "a copy of a handled audit is not");
        assertEquals(2, handler.count(reqid));
        assertEquals(1, stats.snapshot().handlers().get(subject).duplicates());
    }
}
