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
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads envelopes and payloads from JSON and writes replies, the way KrossIAM's Go client expects:
 * field names match case-insensitively, numbers stay numbers, and unknown fields are tolerated so
 * that a newer client's additions do not break an older server. Thread-safe; build one and share it.
 */
public final class EnvelopeCodec {

    private final ObjectMapper mapper;
    private final ObjectWriter replyWriter;
    private final PayloadBinder binder;

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
        this.replyWriter = mapper.writerFor(Reply.class);
        this.binder = new PayloadBinder(mapper);
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    public DecodeResult decode(byte[] body) {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (IOException e) {
            return notJson(e);
        }
        if (root == null || root.isMissingNode()) {
            return emptyBody();
        }
        if (!root.isObject()) {
            return notAnObject(root.getNodeType().name().toLowerCase());
        }
        JsonNode version = field(root, "version");
        JsonNode time = field(root, "time");
        JsonNode reqid = field(root, "reqid");
        JsonNode payload = field(root, "payload");

        String reqidText = reqid != null && reqid.isTextual() ? reqid.textValue() : null;
        DecodeResult.Malformed wrong = wrongKind(reqid != null && !reqid.isTextual(), version != null && !version.isTextual(),
                time != null && !(time.isIntegralNumber() && time.canConvertToLong()), reqidText);
        if (wrong != null) {
            return wrong;
        }
        return new DecodeResult.Decoded(new Envelope(
                version == null ? null : version.textValue(),
                time == null ? 0L : time.longValue(),
                reqidText,
                payload));
    }

    // The one wording of each problem with an envelope, for both ways of reading one
    // (decode(byte[]) here and PayloadBinder's single pass).
    static final String PAYLOAD_MISSING = "payload missing";
    static final String PAYLOAD_NOT_OBJECT = "payload must be a JSON object";

    static DecodeResult.Malformed notJson(IOException e) {
        return new DecodeResult.Malformed(null, "body is not valid JSON: " + firstLine(e));
    }

    static DecodeResult.Malformed emptyBody() {
        return new DecodeResult.Malformed(null, "body is empty; expected a JSON object");
    }

    /** @param kind what the body is instead: array, string, number, boolean, null */
    static DecodeResult.Malformed notAnObject(String kind) {
        return new DecodeResult.Malformed(null, "body is a JSON " + kind + ", expected an object with version, time, reqid and payload");
    }

    /**
     * The first envelope field of the wrong kind, in the order they are checked, or null when
     * none is. A reqid that is not a string cannot name the request in the reply.
     */
    static DecodeResult.Malformed wrongKind(boolean reqid, boolean version, boolean time, String reqidText) {
        if (reqid) {
            return new DecodeResult.Malformed(null, "field 'reqid' must be a string");
        }
        if (version) {
            return new DecodeResult.Malformed(reqidText, "field 'version' must be a string such as \"0.1.1\"");
        }
        if (time) {
            return new DecodeResult.Malformed(reqidText, "field 'time' must be an integer (microseconds since the Unix epoch)");
        }
        return null;
    }

    /**
     * Reads a request and binds its payload to {@code type} in one pass, with the same rules and
     * messages as {@link #decode(byte[])} followed by {@link #decodePayload}: the fast path for
     * requests whose payload is a record.
     */
    public <T> BoundRequest<T> decode(byte[] body, Class<T> type) {
        return binder.read(body, type);
    }

    /** The request id of a body, if one can be read at all: for log lines about messages that are dropped. */
    public String peekReqid(byte[] body) {
        DecodeResult result = decode(body);
        return result instanceof DecodeResult.Decoded d ? d.envelope().reqid() : ((DecodeResult.Malformed) result).reqid();
    }

    /** Converts a payload to its record type, with a one-line message naming the field that is wrong. */
    public <T> T decodePayload(JsonNode payload, Class<T> type) throws PayloadException {
        if (payload == null || payload.isNull()) {
            throw new PayloadException(PAYLOAD_MISSING);
        }
        if (!payload.isObject()) {
            throw new PayloadException(PAYLOAD_NOT_OBJECT);
        }
        try {
            return mapper.treeToValue(payload, type);
        } catch (MismatchedInputException e) {
            throw new PayloadException(describe(e));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new PayloadException("payload invalid: " + firstLine(e));
        }
    }

    public byte[] encode(Reply reply) {
        if (reply.payload() instanceof SelfWritingPayload payload) {
            byte[] bytes = encodeByHand(reply, payload);
            if (bytes != null) {
                return bytes;
            }
        }
        try {
            return replyWriter.writeValueAsBytes(reply);
        } catch (JsonProcessingException e) {
            // Only a handler result Jackson cannot serialize gets here: report it as such.
            throw new IllegalStateException("cannot encode reply: " + firstLine(e), e);
        }
    }

    /** The reply as Jackson writes it (same order, same text), or null when that cannot be promised. */
    private static byte[] encodeByHand(Reply reply, SelfWritingPayload payload) {
        JsonOut out = new JsonOut();
        out.beginObject()
                .field("version", reply.version())
                .field("time", reply.timeMicros())
                .field("reqid", reply.reqid())
                .field("code", reply.code())
                .field("message", reply.message())
                .name("payload").beginObject();
        payload.writeFields(out);
        out.endObject().endObject();
        return out.toBytes();
    }

    public byte[] encodeEnvelope(String version, long timeMicros, String reqid, Object payload) {
        ObjectNode node = mapper.createObjectNode();
        node.put("version", version);
        node.put("time", timeMicros);
        node.put("reqid", reqid);
        node.set("payload", mapper.valueToTree(payload));
        try {
            return mapper.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode envelope: " + firstLine(e), e);
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

    static String describe(MismatchedInputException e) {
        String path = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
        String expected = e.getTargetType() == null ? "another type" : typeName(e.getTargetType());
        if (e instanceof InvalidFormatException f) {
            return "payload field '" + path + "' must be " + expected + ", not " + f.getValue();
        }
        return path.isEmpty()
                ? "payload invalid: " + firstLine(e)
                : "payload field '" + path + "' must be " + expected;
    }

    private static String typeName(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (type == int.class || type == long.class || type == Integer.class || type == Long.class) {
            return "an integer";
        }
        if (type == double.class || type == Double.class || type == float.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type.isArray() || java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
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
