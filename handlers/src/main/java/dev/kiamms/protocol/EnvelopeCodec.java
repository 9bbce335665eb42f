package dev.kiamms.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads envelopes and payloads from JSON ({@link EnvelopeReader}) and writes replies and messages
 * ({@link JsonOut}), the way KrossIAM's Go client expects: field names match case-insensitively,
 * numbers stay numbers, and unknown fields are tolerated so that a newer client's additions do not
 * break an older server. Thread-safe; build one and share it.
 */
public final class EnvelopeCodec {

    private final ObjectMapper mapper;
    private final ObjectWriter payloadWriter;
    private final EnvelopeReader reader;

    public EnvelopeCodec() {
        this.mapper = JsonMapper.builder()
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
                // "ipaddr": 81 is a client bug to report, not a value to guess at.
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                // Coordinates in every iplocation reply: Java 17's Double.toString was ~8% of a
                // request's CPU. Jackson's writer prints the shortest text that reads back as the
                // same double (EnvelopeCodecTest), which Java 19+ does as well.
                .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                // Turning off scalar coercion above does not cover numbers and booleans read
                // into strings: refuse those explicitly.
                .withCoercionConfig(LogicalType.Textual, c -> c
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .build();
        this.payloadWriter = mapper.writer();
        this.reader = new EnvelopeReader(mapper);
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * Reads a message body in one pass: the envelope's fields, and the payload bound to
     * {@code type} (a record) or kept as sent ({@code JsonNode}), with a one-line message naming
     * whatever is wrong.
     */
    public <T> DecodedBody<T> decode(byte[] body, Class<T> type) {
        return reader.read(body, type);
    }

    /**
     * The request id of a body nothing else reads (the audit spool stores bodies as they came),
     * or null when none can be read.
     */
    public String reqidOf(byte[] body) {
        return reader.read(body, JsonNode.class).reqid();
    }

    /**
     * The reply as the Go client expects it, written by {@link JsonOut}: the envelope and a
     * {@link SelfWritingPayload} directly, any other payload as Jackson writes it.
     */
    public byte[] encode(Reply reply) {
        JsonOut out = new JsonOut();
        out.beginObject()
                .field("version", reply.version())
                .field("time", reply.timeMicros())
                .field("reqid", reply.reqid())
                .field("code", reply.code())
                .field("message", reply.message())
                .name("payload");
        return writePayload(out, reply.payload(), "reply").endObject().toBytes();
    }

    /** A message to KrossIAM (request, audit, notice), written as {@link #encode(Reply)} writes replies. */
    public byte[] encodeEnvelope(String version, long timeMicros, String reqid, Object payload) {
        JsonOut out = new JsonOut();
        out.beginObject()
                .field("version", version)
                .field("time", timeMicros)
                .field("reqid", reqid)
                .name("payload");
        return writePayload(out, payload, "envelope").endObject().toBytes();
    }

    private JsonOut writePayload(JsonOut out, Object payload, String what) {
        if (payload == null) {
            return out.nullValue();
        }
        if (payload instanceof SelfWritingPayload self) {
            out.beginObject();
            self.writeFields(out);
            return out.endObject();
        }
        try {
            return out.value(payloadWriter.writeValueAsBytes(payload));
        } catch (JsonProcessingException e) {
            // Only a handler result Jackson cannot serialize gets here: report it as such.
            throw new IllegalStateException("cannot encode " + what + ": " + firstLine(e), e);
        }
    }

    public Reply decodeReply(byte[] body) throws IOException {
        return mapper.readValue(body, Reply.class);
    }

    /**
     * A member of a JSON object as KrossIAM's server finds it: the exact name first, else the
     * first that matches ignoring case; null when absent or JSON null.
     */
    public static JsonNode field(JsonNode object, String name) {
        JsonNode exact = object.get(name);
        if (exact != null) {
            return exact.isNull() ? null : exact;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue().isNull() ? null : e.getValue();
            }
        }
        return null;
    }

    static String firstLine(Exception e) {
        String m = e instanceof JsonMappingException j ? j.getOriginalMessage() : e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
