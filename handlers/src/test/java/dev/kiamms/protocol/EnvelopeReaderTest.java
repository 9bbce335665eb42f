package dev.kiamms.protocol;

import dev.kiamms.iplocation.IpLocationRequest;
import dev.kiamms.mail.VerifyEmailRequest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Reading a body in one pass ({@link EnvelopeCodec#decode(byte[], Class)}) gives what reading it
 * into Jackson's JSON tree and looking the fields up there gives (the reference below, which is how
 * kiam-ms read envelopes before): the same fields, the same payload (a record, or any JSON value
 * kept as sent), the same messages, for good bodies and every kind of bad one.
 */
class EnvelopeReaderTest {

    private final EnvelopeCodec codec = new EnvelopeCodec();

    private static final String HEAD = "{\"version\":\"0.1.1\",\"time\":1700000000123456,\"reqid\":\"r1\",";

    @ParameterizedTest
    @ValueSource(strings = {
            HEAD + "\"payload\":{\"ipaddr\":\"81.2.69.142\",\"locale\":\"zh-cn\"}}",
            "{\"payload\":{\"IPADDR\":\"81.2.69.142\",\"Locale\":\"en\",\"new\":[1,{\"a\":2}]},\"ReqId\":\"r\",\"TIME\":5,\"Version\":\"0.1.1\"}",
            HEAD + "\"payload\":{\"ipaddr\":\"\\u0038\\u0031.2.69.142\"},\"extra\":{\"x\":[null,true]}}",
            HEAD + "\"Payload\":{\"ipaddr\":\"1.1.1.1\"},\"payload\":{\"ipaddr\":\"2.2.2.2\"}}",
            HEAD + "\"payload\":{\"ipaddr\":\"1.1.1.1\"},\"PAYLOAD\":{\"ipaddr\":\"2.2.2.2\"}}",
            HEAD + "\"payload\":{\"ipaddr\":\"1.1.1.1\"},\"payload\":{\"ipaddr\":\"2.2.2.2\"}}",
            "{\"ReqID\":null,\"REQID\":\"second\",\"version\":\"0.1.1\",\"time\":1,\"payload\":{}}",
            "{\"reqid\":\"r\",\"ReqID\":12,\"version\":\"0.1.1\",\"time\":1,\"payload\":{}}",
            HEAD + "\"payload\":{}}",
            HEAD + "\"payload\":null}",
            HEAD + "\"payload\":[1]}",
            HEAD + "\"payload\":\"text\"}",
            "{\"version\":\"0.1.1\",\"time\":1,\"reqid\":\"r\"}",
            HEAD + "\"payload\":{\"ipaddr\":81,\"locale\":\"en\"}}",
            HEAD + "\"payload\":{\"ipaddr\":true}}",
            HEAD + "\"payload\":{\"ipaddr\":1.5}}",
            HEAD + "\"payload\":{\"ipaddr\":[\"81.2.69.142\"],\"locale\":{\"deep\":[[{}]]}},\"after\":1}",
            HEAD + "\"payload\":{\"locale\":{\"deep\":[[{\"x\":1}]]},\"ipaddr\":{}},\"reqid\":\"r2\"}",
            "{\"version\":1,\"time\":1,\"reqid\":\"r1\",\"payload\":{}}",
            "{\"version\":\"0.1.1\",\"time\":\"1700000000\",\"ReqID\":\"r2\",\"payload\":{}}",
            "{\"version\":\"0.1.1\",\"time\":1.5,\"reqid\":\"r\",\"payload\":{}}",
            "{\"version\":\"0.1.1\",\"time\":123456789012345678901234567890,\"reqid\":\"r\",\"payload\":{}}",
            "{\"version\":\"0.1.1\",\"time\":{\"t\":1},\"reqid\":[\"r\"],\"payload\":{}}",
            "{\"version\":[\"0.1.1\"],\"time\":1,\"reqid\":\"r\",\"payload\":{}}",
            "{\"version\":null,\"time\":null,\"reqid\":null,\"payload\":null}",
            "{}",
            "{not json",
            HEAD + "\"payload\":{\"ipaddr\":tru}}",
            HEAD + "\"payload\":{\"ipaddr\":81}, oops}",
            HEAD + "\"payload\":{\"ipaddr\":\"1.1.1.1\"}",
            HEAD + "\"payload\":{\"ipaddr\":\"1.1.1.1\"}} trailing",
            "[]", "[{\"version\":\"0.1.1\"}]", "\"text\"", "42", "true", "null", "", "  ", "\n",
    })
    void onePassReadsWhatTheTreeReads(String body) {
        assertSame(body, IpLocationRequest.class);
        assertSame(body, VerifyEmailRequest.class);
        assertSame(body, JsonNode.class);
    }

    @Test
    void aJsonNodePayloadIsAnyValueKeptAsSentAndMayBeAbsent() {
        DecodedBody<JsonNode> r = codec.decode(bytes(HEAD + "\"payload\":[1,\"two\",{\"3\":null}]}"), JsonNode.class);
        assertNull(r.payloadError());
        assertEquals("[1,\"two\",{\"3\":null}]", r.payload().toString());
        assertEquals("r1", r.reqid());
        DecodedBody<JsonNode> absent = codec.decode(bytes("{\"version\":\"0.1.1\",\"time\":1,\"reqid\":\"r\"}"), JsonNode.class);
        assertNull(absent.payloadError());
        assertNull(absent.payload());
    }

    @Test
    void aPayloadThatFailsToBindStillLetsTheRestOfTheEnvelopeBeRead() {
        DecodedBody<IpLocationRequest> r = codec.decode(bytes("{\"payload\":{\"ipaddr\":[[1],{\"a\":[2]}],\"locale\":\"en\"},"
                + "\"version\":\"0.1.1\",\"time\":7,\"reqid\":\"late\"}"), IpLocationRequest.class);
        assertNull(r.malformed());
        assertEquals("late", r.envelope().reqid());
        assertEquals(7, r.envelope().timeMicros());
        assertEquals("payload field 'ipaddr' must be a string", r.payloadError().getMessage());
    }

    /** Both ways, as one comparable line: the malformed reason, or the fields and the payload or its error. */
    private <T> void assertSame(String body, Class<T> type) {
        assertEquals(viaTree(body, type), viaReader(body, type), body);
    }

    /** The reference: the whole body as a JSON tree, its fields looked up as KrossIAM's server looks them up. */
    private <T> String viaTree(String body, Class<T> type) {
        JsonNode root;
        try {
            root = codec.mapper().readTree(bytes(body));
        } catch (IOException e) {
            return malformed(EnvelopeReader.notJson(e));
        }
        if (root == null || root.isMissingNode()) {
            return malformed(EnvelopeReader.emptyBody());
        }
        if (!root.isObject()) {
            return malformed(EnvelopeReader.notAnObject(root.getNodeType().name().toLowerCase()));
        }
        JsonNode version = EnvelopeCodec.field(root, "version");
        JsonNode time = EnvelopeCodec.field(root, "time");
        JsonNode reqid = EnvelopeCodec.field(root, "reqid");
        JsonNode payload = EnvelopeCodec.field(root, "payload");
        String reqidText = reqid != null && reqid.isTextual() ? reqid.textValue() : null;
        Malformed wrong = EnvelopeReader.wrongKind(reqid != null && !reqid.isTextual(), version != null && !version.isTextual(),
                time != null && !(time.isIntegralNumber() && time.canConvertToLong()), reqidText);
        if (wrong != null) {
            return malformed(wrong);
        }
        Envelope e = new Envelope(version == null ? null : version.textValue(), time == null ? 0L : time.longValue(), reqidText);
        return fields(e) + payloadViaTree(payload, type);
    }

    private <T> String payloadViaTree(JsonNode payload, Class<T> type) {
        if (type == JsonNode.class) {
            return String.valueOf(payload);
        }
        if (payload == null || payload.isNull()) {
            return "error " + EnvelopeReader.PAYLOAD_MISSING;
        }
        if (!payload.isObject()) {
            return "error " + EnvelopeReader.PAYLOAD_NOT_OBJECT;
        }
        try {
            return String.valueOf(codec.mapper().treeToValue(payload, type));
        } catch (MismatchedInputException e) {
            return "error " + EnvelopeReader.describe(e);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return "error payload invalid: " + EnvelopeCodec.firstLine(e);
        }
    }

    private <T> String viaReader(String body, Class<T> type) {
        DecodedBody<T> r = codec.decode(bytes(body), type);
        if (r.malformed() != null) {
            assertEquals(r.malformed().reqid(), r.reqid());
            return malformed(r.malformed());
        }
        assertEquals(r.envelope().reqid(), r.reqid());
        String payload = r.payloadError() != null ? "error " + r.payloadError().getMessage() : String.valueOf(r.payload());
        return fields(r.envelope()) + payload;
    }

    private static String malformed(Malformed m) {
        return "malformed " + m.reqid() + ": " + m.reason();
    }

    private static String fields(Envelope e) {
        return e.version() + " " + e.timeMicros() + " " + e.reqid() + " ";
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
