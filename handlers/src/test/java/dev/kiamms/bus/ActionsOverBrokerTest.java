package dev.kiamms.bus;

import dev.kiamms.iplocation.GeoIpDatabase;
import dev.kiamms.iplocation.IpLocation;
import dev.kiamms.iplocation.IpLocationHandler;
import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.Reply;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.GeoIpTestData;
import dev.kiamms.testing.NatsServerFixture;
import dev.kiamms.testing.PipelineHarness;
import dev.kiamms.testing.RecordingActionHandler;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Action requests over a real nats-server, sent the way KrossIAM's client sends them, answered by
 * the pipeline wired as the app wires it. What KrossIAM sees is the reply: every request that
 * reaches kiam-ms must get one, or KrossIAM blocks for 60 s.
 */
class ActionsOverBrokerTest {

    /** Generous: a reply normally takes a millisecond; this only keeps a broken test from hanging. */
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long SECOND = 1_000_000L;

    @TempDir
    static Path dir;
    private static NatsServerFixture nats;
    private static GeoIpDatabase geoip;
    private static PipelineHarness pipeline;
    private static KrossIamClient kiam;
    private static final EnvelopeCodec CODEC = new EnvelopeCodec();
    private static final MicroClock CLOCK = MicroClock.system();

    private static final RecordingActionHandler<JsonNode> ECHO = RecordingActionHandler.echo("echo", JsonNode.class);
    private static final RecordingActionHandler<JsonNode> NOTHING =
            new RecordingActionHandler<>("nothing", JsonNode.class, (p, c) -> null);
    private static final RecordingActionHandler<JsonNode> FAIL = new RecordingActionHandler<>("fail", JsonNode.class,
            (p, c) -> {
                throw new ActionException("no MTA accepted the message: smtp.example.com refused (550)");
            });
    private static final RecordingActionHandler<JsonNode> CRASH = new RecordingActionHandler<>("crash", JsonNode.class,
            (p, c) -> {
                throw new IllegalStateException("bug in handler");
            });
    private static final RecordingActionHandler<JsonNode> COUNT = RecordingActionHandler.echo("count", JsonNode.class);

    @BeforeAll
    static void start() throws Exception {
        nats = NatsServerFixture.start();
        geoip = GeoIpDatabase.open(GeoIpTestData.city(dir));
        pipeline = PipelineHarness.builder()
                .action(new IpLocationHandler(() -> geoip))
                .action(ECHO).action(NOTHING).action(FAIL).action(CRASH).action(COUNT)
                .connect(nats.url());
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
        if (geoip != null) {
            geoip.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    /** A request body with the given envelope fields; a null field is left out. */
    private static byte[] envelope(String version, Long time, String reqid, String payloadJson) {
        StringBuilder sb = new StringBuilder("{");
        if (version != null) {
            sb.append("\"version\":\"").append(version).append("\",");
        }
        if (time != null) {
            sb.append("\"time\":").append(time).append(',');
        }
        if (reqid != null) {
            sb.append("\"reqid\":\"").append(reqid).append("\",");
        }
        sb.append("\"payload\":").append(payloadJson).append('}');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Reply raw(String action, byte[] body) throws Exception {
        return kiam.requestRaw(Subjects.action(action), body, null, TIMEOUT).reply();
    }

    private static Reply raw(String action, String body) throws Exception {
        return raw(action, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertRefused(Reply reply, int code, String expectedReqid, String inMessage) {
        assertEquals(code, reply.code(), reply.toString());
        assertEquals(expectedReqid, reply.reqid(), reply.toString());
        assertEquals("0.1.1", reply.version());
        assertNull(reply.payload(), reply.toString());
        assertTrue(reply.message() != null && reply.message().contains(inMessage),
                "message should contain '" + inMessage + "': " + reply.message());
    }

    @Test
    void successfulReplyHasTheProtocolsShape() throws Exception {
        long before = CLOCK.nowMicros();
        KrossIamClient.Exchange x = kiam.request("echo", Map.of("text", "<b>hi</b> & bye", "n", 3), TIMEOUT);
        Reply r = x.reply();
        assertEquals("0.1.1", r.version());
        assertEquals(x.reqid(), r.reqid());
        assertEquals(32, x.reqid().length());
        assertEquals(0, r.code());
        assertEquals("ok", r.message());
        assertEquals(Map.of("text", "<b>hi</b> & bye", "n", 3), r.payload());
        // Microseconds, not milliseconds or nanoseconds: within a generous minute of the send.
        assertTrue(r.timeMicros() >= before - 60 * SECOND && r.timeMicros() <= CLOCK.nowMicros() + 60 * SECOND,
                "reply time " + r.timeMicros() + " is not microseconds near " + before);
        assertEquals(List.of(x.reqid()), ECHO.reqids().stream().filter(x.reqid()::equals).toList());
    }

    @Test
    void handlerWithoutResultRepliesNullPayload() throws Exception {
        Reply r = kiam.request("nothing", Map.of(), TIMEOUT).reply();
        assertEquals(0, r.code());
        assertEquals("ok", r.message());
        assertNull(r.payload());
    }

    @Test
    void iplocationInTwoLocalesEndToEnd() throws Exception {
        Reply en = kiam.request("iplocation", Map.of("ipaddr", "81.2.69.142", "locale", "en-us"), TIMEOUT).reply();
        assertEquals(0, en.code(), en.toString());
        IpLocation london = CODEC.mapper().convertValue(en.payload(), IpLocation.class);
        assertEquals(new IpLocation("Europe", "United Kingdom", "London", -0.0931, 51.5142, "Europe/London"), london);

        Reply zh = kiam.request("iplocation", Map.of("ipaddr", "89.160.20.112", "locale", "zh-cn"), TIMEOUT).reply();
        assertEquals(0, zh.code(), zh.toString());
        IpLocation linkoping = CODEC.mapper().convertValue(zh.payload(), IpLocation.class);
        assertEquals("欧洲", linkoping.continent());
        assertEquals("瑞典", linkoping.country());
        assertEquals("林雪平", linkoping.city());
        assertEquals("Europe/Stockholm", linkoping.timezone());
    }

    @Test
    void iplocationAcceptsKeysInAnyCase() throws Exception {
        Reply r = raw("iplocation", envelope("0.1.1", CLOCK.nowMicros(), "r-case",
                "{\"IPADDR\":\"81.2.69.142\",\"Locale\":\"en\"}"));
        assertEquals(0, r.code(), r.toString());
        assertEquals("London", ((Map<?, ?>) r.payload()).get("city"));
    }

    @Test
    void iplocationOfAPrivateAddressIsCodeOneSayingWhy() throws Exception {
        KrossIamClient.Exchange x = kiam.request("iplocation", Map.of("ipaddr", "192.168.1.10", "locale", "en"), TIMEOUT);
        assertRefused(x.reply(), 1, x.reqid(), "192.168.1.10 is a private address");
    }

    @Test
    void iplocationOfAnUnknownAddressIsEmptyPlace() throws Exception {
        Reply r = kiam.request("iplocation", Map.of("ipaddr", "8.8.8.8", "locale", "en"), TIMEOUT).reply();
        assertEquals(0, r.code());
        assertEquals(IpLocation.UNKNOWN, CODEC.mapper().convertValue(r.payload(), IpLocation.class));
    }

    @Test
    void incompatibleVersionIs101() throws Exception {
        assertRefused(raw("echo", envelope("0.2.0", CLOCK.nowMicros(), "r101", "{}")), 101, "r101", "0.2.0");
        assertRefused(raw("echo", envelope("1.0.0", CLOCK.nowMicros(), "r101b", "{}")), 101, "r101b", "1.0.0");
        assertRefused(raw("echo", envelope(null, CLOCK.nowMicros(), "r101c", "{}")), 101, "r101c", "version");
    }

    @Test
    void staleOrFutureTimeIs102() throws Exception {
        assertRefused(raw("echo", envelope("0.1.1", CLOCK.nowMicros() - 30 * SECOND, "r102", "{}")), 102, "r102", "old");
        assertRefused(raw("echo", envelope("0.1.1", CLOCK.nowMicros() + 60 * SECOND, "r102b", "{}")), 102, "r102b", "future");
        assertRefused(raw("echo", envelope("0.1.1", null, "r102c", "{}")), 102, "r102c", "time");
    }

    @Test
    void missingReqidIs103() throws Exception {
        assertRefused(raw("echo", envelope("0.1.1", CLOCK.nowMicros(), null, "{}")), 103, "", "reqid");
    }

    @Test
    void validationCodesTakePrecedenceInProtocolOrder() throws Exception {
        assertEquals(101, raw("echo", envelope("9.9.9", 1L, null, "{}")).code());
        assertEquals(102, raw("echo", envelope("0.1.1", 1L, null, "{}")).code());
    }

    @Test
    void invalidJsonGetsAReplyNotSilence() throws Exception {
        assertRefused(raw("echo", "{not json"), 1, "", "not valid JSON");
    }

    @Test
    void jsonArrayGetsAReply() throws Exception {
        assertRefused(raw("echo", "[{\"version\":\"0.1.1\"}]"), 1, "", "array");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " "})
    void emptyBodyGetsAReply(String body) throws Exception {
        assertRefused(raw("echo", body), 1, "", "empty");
    }

    @Test
    void wronglyTypedEnvelopeFieldIsNamedAndTheReqidKept() throws Exception {
        assertRefused(raw("echo", "{\"version\":\"0.1.1\",\"time\":\"yesterday\",\"reqid\":\"rtype\",\"payload\":{}}"),
                1, "rtype", "'time'");
        assertRefused(raw("echo", "{\"version\":11,\"time\":1,\"reqid\":\"rtype2\",\"payload\":{}}"), 1, "rtype2", "'version'");
    }

    @Test
    void wronglyShapedPayloadIsNamed() throws Exception {
        assertRefused(raw("iplocation", envelope("0.1.1", CLOCK.nowMicros(), "rp1", "{\"ipaddr\":[\"81.2.69.142\"]}")),
                1, "rp1", "'ipaddr'");
        assertRefused(raw("iplocation", envelope("0.1.1", CLOCK.nowMicros(), "rp2", "\"81.2.69.142\"")),
                1, "rp2", "payload must be a JSON object");
        assertRefused(raw("iplocation", envelope("0.1.1", CLOCK.nowMicros(), "rp3", "null")), 1, "rp3", "payload missing");
    }

    @Test
    void numberWhereAStringBelongsIsNamed() throws Exception {
        // Coercing 81 to "81" would answer "'81' is not an IP address", which hides the wrong field.
        assertRefused(raw("iplocation", envelope("0.1.1", CLOCK.nowMicros(), "rp4", "{\"ipaddr\":81,\"locale\":\"en\"}")),
                1, "rp4", "'ipaddr'");
    }

    @Test
    void handlerFailureIsCodeOneWithItsMessage() throws Exception {
        KrossIamClient.Exchange x = kiam.request("fail", Map.of(), TIMEOUT);
        assertRefused(x.reply(), 1, x.reqid(), "no MTA accepted the message: smtp.example.com refused (550)");
    }

    @Test
    void handlerCrashIsCodeOneNamingTheActionAndReqid() throws Exception {
        KrossIamClient.Exchange x = kiam.request("crash", Map.of(), TIMEOUT);
        assertRefused(x.reply(), 1, x.reqid(), "internal error in crash");
        assertTrue(x.reply().message().contains(x.reqid()), x.reply().message());
        // and the subscription survives it
        assertEquals(1, kiam.request("crash", Map.of(), TIMEOUT).reply().code());
        assertEquals(0, kiam.request("echo", Map.of(), TIMEOUT).reply().code());
    }

    @Test
    void requestWithoutReplySubjectIsDroppedAndTheNextIsAnswered() throws Exception {
        int before = COUNT.count();
        kiam.connection().publish(Subjects.action("count"), envelope("0.1.1", CLOCK.nowMicros(), "no-reply", "{}"));
        kiam.connection().publish(Subjects.action("count"), "{garbage".getBytes(StandardCharsets.UTF_8));
        KrossIamClient.Exchange x = kiam.request("count", Map.of("n", 1), TIMEOUT);
        assertEquals(0, x.reply().code());
        assertEquals(x.reqid(), x.reply().reqid());
        // One subscription delivers in order: the two publishes were seen, and neither reached the handler.
        assertEquals(List.of(x.reqid()), COUNT.reqids().subList(before, COUNT.count()));
    }

    @Test
    void unknownActionFailsAtOnceWithNoResponders() {
        KrossIamClient.RequestFailed e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(KrossIamClient.RequestFailed.class,
                        () -> kiam.request("nosuchaction", Map.of(), KrossIamClient.REQUEST_TIMEOUT)));
        assertTrue(e.getMessage().contains("no responders"), e.getMessage());
    }

    @Test
    void subscribesEachActionInTheQueueGroup() {
        List<String> subscribed = pipeline.subscribed();
        for (String key : List.of("iplocation", "echo", "nothing", "fail", "crash", "count")) {
            assertTrue(subscribed.contains(Subjects.action(key)), subscribed.toString());
        }
        assertFalse(subscribed.contains(Subjects.action("nosuchaction")));
        assertTrue(subscribed.containsAll(PipelineHarness.DEFAULT_EVENT_PATTERNS), subscribed.toString());
    }
}
