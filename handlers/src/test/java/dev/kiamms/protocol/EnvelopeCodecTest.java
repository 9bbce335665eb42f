package dev.kiamms.protocol;

import dev.kiamms.iplocation.IpLocation;
import dev.kiamms.iplocation.IpLocationRequest;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnvelopeCodecTest {

    private final EnvelopeCodec codec = new EnvelopeCodec();

    /** A body read as notices and logs are: the payload kept as whatever JSON was sent. */
    private DecodedBody<JsonNode> decoded(String json) {
        DecodedBody<JsonNode> r = codec.decode(json.getBytes(StandardCharsets.UTF_8), JsonNode.class);
        assertNull(r.malformed(), json);
        return r;
    }

    private Malformed malformed(String json) {
        DecodedBody<JsonNode> r = codec.decode(json.getBytes(StandardCharsets.UTF_8), JsonNode.class);
        assertNotNull(r.malformed(), json);
        return r.malformed();
    }

    /** The payload of a body around {@code payloadJson}, bound to {@code type}; the error when it does not fit. */
    private <T> T decodePayload(String payloadJson, Class<T> type) throws PayloadException {
        DecodedBody<T> r = codec.decode(("{\"version\":\"0.1.1\",\"time\":1,\"reqid\":\"r\""
                + (payloadJson == null ? "" : ",\"payload\":" + payloadJson) + "}").getBytes(StandardCharsets.UTF_8), type);
        assertNull(r.malformed());
        if (r.payloadError() != null) {
            throw r.payloadError();
        }
        return r.payload();
    }

    private JsonNode json(String text) throws Exception {
        return codec.mapper().readTree(text);
    }

    @Test
    void decodesTheEnvelopeKrossIamSends() {
        DecodedBody<JsonNode> d = decoded("{\"version\":\"0.1.1\",\"time\":1700000000123456,\"reqid\":\"3f2a\","
                + "\"payload\":{\"ipaddr\":\"81.2.69.142\"}}");
        Envelope e = d.envelope();
        assertEquals("0.1.1", e.version());
        assertEquals(1_700_000_000_123_456L, e.timeMicros());
        assertEquals("3f2a", e.reqid());
        assertEquals("81.2.69.142", d.payload().get("ipaddr").textValue());
    }

    @Test
    void envelopeKeysMatchIgnoringCase() {
        DecodedBody<JsonNode> d = decoded("{\"Version\":\"0.1.1\",\"TIME\":42,\"ReqId\":\"abc\",\"PayLoad\":{\"k\":1}}");
        Envelope e = d.envelope();
        assertEquals("0.1.1", e.version());
        assertEquals(42, e.timeMicros());
        assertEquals("abc", e.reqid());
        assertEquals(1, d.payload().get("k").intValue());
    }

    @Test
    void absentFieldsAreNullAndUnknownOnesIgnored() {
        DecodedBody<JsonNode> d = decoded("{\"extra\":[1,2],\"version\":null}");
        Envelope e = d.envelope();
        assertNull(e.version());
        assertEquals(0, e.timeMicros());
        assertNull(e.reqid());
        assertNull(d.payload());
    }

    @Test
    void goEscapedMarkupDecodes() throws Exception {
        // Go's encoder writes <, > and & as \u003c, \u003e, \u0026.
        DecodedBody<JsonNode> d = decoded("{\"version\":\"0.1.1\",\"time\":1,\"reqid\":\"r\","
                + "\"payload\":{\"subject\":\"\\u003cscript\\u003e \\u0026 more\"}}");
        assertEquals("<script> & more", d.payload().get("subject").textValue());
    }

    @Test
    void wronglyTypedEnvelopeFieldsAreNamed() {
        assertTrue(malformed("{\"version\":1,\"time\":1,\"reqid\":\"r\"}").reason().contains("'version'"));
        assertTrue(malformed("{\"version\":\"0.1.1\",\"time\":\"1700000000\",\"reqid\":\"r\"}").reason().contains("'time'"));
        assertTrue(malformed("{\"version\":\"0.1.1\",\"time\":1.5,\"reqid\":\"r\"}").reason().contains("'time'"));
        assertTrue(malformed("{\"version\":\"0.1.1\",\"time\":1,\"reqid\":12}").reason().contains("'reqid'"));
    }

    @Test
    void aReadableReqidIsKeptForTheReplyEvenWhenAnotherFieldIsWrong() {
        assertEquals("r1", malformed("{\"version\":1,\"time\":1,\"reqid\":\"r1\"}").reqid());
        assertEquals("r2", malformed("{\"version\":\"0.1.1\",\"time\":\"x\",\"ReqID\":\"r2\"}").reqid());
        assertEquals("r2", codec.reqidOf("{\"version\":\"0.1.1\",\"time\":\"x\",\"ReqID\":\"r2\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void invalidJsonIsReported() {
        assertTrue(malformed("{not json").reason().contains("not valid JSON"));
        assertTrue(malformed("{\"version\":\"0.1.1\"").reason().contains("not valid JSON"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"version\":\"0.1.1\"}]", "\"text\"", "42", "true", "null"})
    void bodiesThatAreNotObjectsAreReported(String body) {
        String reason = malformed(body).reason();
        assertTrue(reason.contains("expected an object"), reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "\n"})
    void emptyBodiesAreReported(String body) {
        assertTrue(malformed(body).reason().contains("empty"));
    }

    @Test
    void payloadFieldsMatchIgnoringCase() throws Exception {
        IpLocationRequest r = decodePayload("{\"IPADDR\":\"81.2.69.142\",\"Locale\":\"zh-CN\",\"new\":1}",
                IpLocationRequest.class);
        assertEquals(new IpLocationRequest("81.2.69.142", "zh-CN"), r);
    }

    @ParameterizedTest
    @ValueSource(strings = {"81", "true", "1.5"})
    void scalarOfTheWrongTypeIsReportedNotCoerced(String value) throws Exception {
        // "ipaddr": 81 is a client bug; turning it into the string "81" hides which field is wrong.
        PayloadException e = assertThrows(PayloadException.class,
                () -> decodePayload("{\"ipaddr\":" + value + ",\"locale\":\"en\"}", IpLocationRequest.class));
        assertTrue(e.getMessage().contains("'ipaddr'"), e.getMessage());
        assertTrue(e.getMessage().contains("string"), e.getMessage());
    }

    /** One field of each type KrossIAM sends, to name the type a wrong value should have had. */
    record Typed(String s, int i, long l, Integer bi, Long bl, double d, Double bd, float f, boolean b, Boolean bb,
                 java.util.List<String> list, String[] array, java.util.Map<String, String> object) {
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "s|{}|a string", "i|{}|an integer", "l|{}|an integer", "bi|{}|an integer", "bl|{}|an integer",
            "d|{}|a number", "bd|{}|a number", "f|{}|a number", "b|{}|true or false", "bb|{}|true or false",
            "list|{}|an array", "array|{}|an array", "object|[]|an object"})
    void aWrongValueNamesTheTypeItShouldHaveHad(String field, String value, String type) throws Exception {
        PayloadException e = assertThrows(PayloadException.class,
                () -> decodePayload("{\"" + field + "\":" + value + "}", Typed.class));
        assertEquals("payload field '" + field + "' must be " + type, e.getMessage());
    }

    @Test
    void structureOfTheWrongTypeIsReported() throws Exception {
        PayloadException e = assertThrows(PayloadException.class,
                () -> decodePayload("{\"ipaddr\":[\"81.2.69.142\"]}", IpLocationRequest.class));
        assertEquals("payload field 'ipaddr' must be a string", e.getMessage());
    }

    @Test
    void missingOrNonObjectPayloadIsReported() throws Exception {
        assertEquals("payload missing",
                assertThrows(PayloadException.class, () -> decodePayload(null, IpLocationRequest.class)).getMessage());
        assertEquals("payload missing",
                assertThrows(PayloadException.class, () -> decodePayload("null", IpLocationRequest.class)).getMessage());
        assertEquals("payload must be a JSON object",
                assertThrows(PayloadException.class, () -> decodePayload("[1]", IpLocationRequest.class)).getMessage());
    }

    private List<String> keys(JsonNode node) {
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    @Test
    void replyHasExactlyTheProtocolsKeysInOrder() throws Exception {
        JsonNode reply = json(new String(codec.encode(Reply.ok("r1", 1_700_000_000_223_456L, null)), StandardCharsets.UTF_8));
        assertEquals(List.of("version", "time", "reqid", "code", "message", "payload"), keys(reply),
                "reply object as the protocol defines it: " + reply);
    }

    @Test
    void replyCarriesTheLocationWithNumbersAsNumbers() throws Exception {
        IpLocation location = new IpLocation("Europe", "United Kingdom", "London", -0.0931, 51.5142, "Europe/London");
        JsonNode reply = json(new String(codec.encode(Reply.ok("r1", 1_700_000_000_223_456L, location)), StandardCharsets.UTF_8));
        assertEquals("0.1.1", reply.get("version").textValue());
        assertTrue(reply.get("time").isIntegralNumber());
        assertEquals(1_700_000_000_223_456L, reply.get("time").longValue());
        assertEquals("r1", reply.get("reqid").textValue());
        assertEquals(0, reply.get("code").intValue());
        assertEquals("ok", reply.get("message").textValue());
        JsonNode payload = reply.get("payload");
        assertEquals(List.of("continent", "country", "city", "longitude", "latitude", "timezone"), keys(payload));
        assertEquals("London", payload.get("city").textValue());
        assertTrue(payload.get("longitude").isNumber() && payload.get("latitude").isNumber(), payload.toString());
        assertEquals(-0.0931, payload.get("longitude").doubleValue());
        assertEquals(51.5142, payload.get("latitude").doubleValue());
        assertEquals("Europe/London", payload.get("timezone").textValue());
    }

    @Test
    void errorReplyCarriesCodeMessageNullPayloadAndNeverANullReqid() throws Exception {
        byte[] body = codec.encode(Reply.error(null, 5, ReplyCode.REQID_MISSING, "reqid missing"));
        assertEquals(new Reply("0.1.1", 5, "", 103, "reqid missing", null), codec.decodeReply(body));
        assertTrue(json(new String(body, StandardCharsets.UTF_8)).get("payload").isNull());
    }

    @Test
    void envelopeRoundTrip() {
        byte[] body = codec.encodeEnvelope("0.1.1", 77, "abc", Map.of("ipaddr", "81.2.69.142"));
        DecodedBody<JsonNode> d = decoded(new String(body, StandardCharsets.UTF_8));
        assertEquals("0.1.1", d.envelope().version());
        assertEquals(77, d.envelope().timeMicros());
        assertEquals("abc", d.envelope().reqid());
        assertEquals("81.2.69.142", d.payload().get("ipaddr").textValue());
    }

    @Test
    void coordinatesReadBackAsExactlyTheDoublesThatWereWritten() throws Exception {
        EnvelopeCodec codec = new EnvelopeCodec();
        java.util.Random random = new java.util.Random(6);
        List<Double> values = new ArrayList<>(List.of(0.0, -0.0, -0.0931, 51.5142, 180.0, -180.0, 90.0, 1e-7, 123456.789,
                Double.MIN_VALUE, Double.MAX_VALUE, 2.0E-3, 1.0E7));
        for (int i = 0; i < 20_000; i++) {
            values.add((random.nextDouble() - 0.5) * 360);
            values.add(Math.round((random.nextDouble() - 0.5) * 3_600_000) / 10_000.0); // 4 decimals, as MaxMind's
            values.add(Double.longBitsToDouble(random.nextLong()));
        }
        for (double v : values) {
            if (!Double.isFinite(v)) {
                continue;
            }
            Reply reply = codec.decodeReply(codec.encode(Reply.ok("r", 1, new IpLocation("", "", "", v, -v, ""))));
            @SuppressWarnings("unchecked")
            Map<String, Object> payload = (Map<String, Object>) reply.payload();
            assertEquals(v, ((Number) payload.get("longitude")).doubleValue(), 0.0, () -> "longitude " + v);
            assertEquals(-v, ((Number) payload.get("latitude")).doubleValue(), 0.0, () -> "latitude " + -v);
        }
    }

    @Test
    void aReplyWrittenByHandIsByteForByteWhatJacksonWrites() throws Exception {
        EnvelopeCodec codec = new EnvelopeCodec();
        com.fasterxml.jackson.databind.ObjectWriter jackson = codec.mapper().writerFor(Reply.class);
        java.util.Random random = new java.util.Random(7);
        // Quotes, backslashes, every control character, DEL, Latin-1, CJK, an emoji (a surrogate pair).
        String alphabet = "\"\\/ aZ09\u007f\u00e9\u00ff\u0100\u07ff\u0800\u4e2d\uffff\ud83d\ude00"
                + java.util.stream.IntStream.range(0, 0x20).mapToObj(c -> String.valueOf((char) c)).collect(java.util.stream.Collectors.joining());
        for (int i = 0; i < 5_000; i++) {
            String[] s = new String[5];
            for (int k = 0; k < s.length; k++) {
                StringBuilder b = new StringBuilder();
                for (int n = random.nextInt(12); n > 0; n--) {
                    int at = random.nextInt(alphabet.length());
                    b.append(alphabet.charAt(at));
                    if (Character.isHighSurrogate(alphabet.charAt(at))) {
                        b.append(alphabet.charAt(at + 1));
                    }
                }
                s[k] = b.toString();
            }
            Reply reply = new Reply("0.1.1", random.nextLong(), s[0], random.nextInt(200), s[1],
                    new IpLocation(s[2], s[3], s[4], (random.nextDouble() - 0.5) * 360, random.nextInt(181) - 90, s[1]));
            assertEquals(new String(jackson.writeValueAsBytes(reply), StandardCharsets.UTF_8),
                    new String(codec.encode(reply), StandardCharsets.UTF_8));
        }
    }

    @Test
    void nanAndLoneSurrogatesComeOutAsJacksonWritesThem() throws Exception {
        EnvelopeCodec codec = new EnvelopeCodec();
        com.fasterxml.jackson.databind.ObjectWriter jackson = codec.mapper().writerFor(Reply.class);
        // NaN and the infinities: Jackson quotes them.
        for (double odd : new double[]{Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            Reply nan = Reply.ok("r", 1, new IpLocation("", "", "", odd, 0.0, ""));
            assertEquals(new String(jackson.writeValueAsBytes(nan), StandardCharsets.UTF_8),
                    new String(codec.encode(nan), StandardCharsets.UTF_8));
        }
        // A lone surrogate (a reqid may carry one, sent as \\ud800): escaped as Jackson escapes it.
        Reply lone = Reply.ok("r\ud800", 1, IpLocation.UNKNOWN);
        assertEquals(new String(jackson.writeValueAsBytes(lone), StandardCharsets.UTF_8),
                new String(codec.encode(lone), StandardCharsets.UTF_8));
    }

    /** Payloads that do not write themselves (mail actions, requests to KrossIAM): Jackson writes them into the envelope. */
    @Test
    void anyOtherPayloadIsWrittenIntoTheEnvelopeAsJacksonWritesIt() throws Exception {
        com.fasterxml.jackson.databind.ObjectWriter jackson = codec.mapper().writerFor(Reply.class);
        Map<String, Object> payload = new java.util.LinkedHashMap<>();
        payload.put("text", "<b>\"hi\"</b> \u4e2d\ud83d\ude00");
        payload.put("n", 3);
        payload.put("list", List.of(1.5, -0.0, Double.NaN));
        payload.put("none", null);
        for (Object p : new Object[]{payload, new IpLocationRequest("81.2.69.142", "en"), List.of("a"), "text", 7, null}) {
            Reply reply = new Reply("0.1.1", 9, "r\u00e9", 1, "m", p);
            assertEquals(new String(jackson.writeValueAsBytes(reply), StandardCharsets.UTF_8),
                    new String(codec.encode(reply), StandardCharsets.UTF_8));
            com.fasterxml.jackson.databind.node.ObjectNode envelope = codec.mapper().createObjectNode();
            envelope.put("version", "0.1.1");
            envelope.put("time", 9L);
            envelope.put("reqid", "r\u00e9");
            envelope.set("payload", codec.mapper().valueToTree(p));
            assertEquals(new String(codec.mapper().writeValueAsBytes(envelope), StandardCharsets.UTF_8),
                    new String(codec.encodeEnvelope("0.1.1", 9, "r\u00e9", p), StandardCharsets.UTF_8));
        }
    }
}
