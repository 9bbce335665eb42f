package dev.kiamms.protocol;

import dev.kiamms.iplocation.IpLocationRequest;
import dev.kiamms.mail.VerifyEmailRequest;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Reading a request in one pass ({@link EnvelopeCodec#decode(byte[], Class)}) gives what the tree
 * path gives ({@link EnvelopeCodec#decode(byte[])} then {@link EnvelopeCodec#decodePayload}):
 * the same fields, the same payload, the same messages, for good bodies and every kind of bad one.
 */
class PayloadBinderTest {

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
    }

    @Test
    void aPayloadThatFailsToBindStillLetsTheRestOfTheEnvelopeBeRead() {
        BoundRequest<IpLocationRequest> r = codec.decode(bytes("{\"payload\":{\"ipaddr\":[[1],{\"a\":[2]}],\"locale\":\"en\"},"
                + "\"version\":\"0.1.1\",\"time\":7,\"reqid\":\"late\"}"), IpLocationRequest.class);
        assertNull(r.malformed());
        assertEquals("late", r.envelope().reqid());
        assertEquals(7, r.envelope().timeMicros());
        assertEquals("payload field 'ipaddr' must be a string", r.payloadError().getMessage());
    }

    /** Both ways, as one comparable line: the malformed reason, or the fields and the payload or its error. */
    private <T> void assertSame(String body, Class<T> type) {
        assertEquals(viaTree(body, type), viaBinder(body, type), body);
    }

    private <T> String viaTree(String body, Class<T> type) {
        DecodeResult r = codec.decode(bytes(body));
        if (r instanceof DecodeResult.Malformed m) {
            return "malformed " + m.reqid() + ": " + m.reason();
        }
        Envelope e = ((DecodeResult.Decoded) r).envelope();
        String payload;
        try {
            payload = String.valueOf(codec.decodePayload(e.payload(), type));
        } catch (PayloadException x) {
            payload = "error " + x.getMessage();
        }
        return fields(e) + payload;
    }

    private <T> String viaBinder(String body, Class<T> type) {
        BoundRequest<T> r = codec.decode(bytes(body), type);
        if (r.malformed() != null) {
            return "malformed " + r.malformed().reqid() + ": " + r.malformed().reason();
        }
        assertNull(r.envelope().payload());
        String payload = r.payloadError() != null ? "error " + r.payloadError().getMessage() : String.valueOf(r.payload());
        return fields(r.envelope()) + payload;
    }

    private static String fields(Envelope e) {
        return e.version() + " " + e.timeMicros() + " " + e.reqid() + " ";
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
