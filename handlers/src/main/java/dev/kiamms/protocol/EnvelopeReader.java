package dev.kiamms.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import static dev.kiamms.protocol.EnvelopeCodec.firstLine;

import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Reads every message body, action or event, in one streaming pass: the envelope's fields (names
 * matched as KrossIAM's server matches them: the exact name first, else the first that matches
 * ignoring case), and the payload straight from the parser into its type. A record payload is bound
 * with no JSON tree in between, which on the hot path halves the work and the garbage of reading a
 * request; a {@link JsonNode} payload (notices, logs) is kept as whatever JSON value was sent,
 * and may be absent. Thread-safe.
 */
final class EnvelopeReader {

    private static final String VERSION = "version";
    private static final String TIME = "time";
    private static final String REQID = "reqid";
    private static final String PAYLOAD = "payload";

    private final ObjectMapper mapper;
    /** One prepared reader per payload type: building one looks up the deserializer each time. */
    private final ConcurrentHashMap<Class<?>, ObjectReader> readers = new ConcurrentHashMap<>();

    EnvelopeReader(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** A field as read: absent or null ({@code value} null), a value of the right kind, or the wrong kind. */
    private static final class Field {
        Object value;
        boolean wrongKind;
        boolean seen;
    }

    <T> DecodedBody<T> read(byte[] body, Class<T> type) {
        boolean anyValue = type == JsonNode.class;
        Field version = new Field();
        Field time = new Field();
        Field reqid = new Field();
        Field payload = new Field();
        PayloadException payloadError = null;
        try (JsonParser p = mapper.createParser(body)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return DecodedBody.malformed(emptyBody());
            }
            if (first != JsonToken.START_OBJECT) {
                return DecodedBody.malformed(notAnObject(kind(first)));
            }
            JsonStreamContext envelope = p.getParsingContext();
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                JsonToken token = p.nextToken();
                if (matches(name, PAYLOAD, payload)) {
                    payloadError = null;
                    payload.value = null;
                    if (anyValue) {
                        payload.value = token == JsonToken.VALUE_NULL ? null : mapper.readTree(p);
                    } else if (token == JsonToken.START_OBJECT) {
                        try {
                            payload.value = reader(type).readValue(p);
                        } catch (MismatchedInputException e) {
                            payloadError = new PayloadException(describe(e));
                        } catch (DatabindException e) {
                            if (e.getCause() instanceof StreamReadException broken) {
                                throw broken; // bad JSON inside the payload: the whole body is malformed
                            }
                            payloadError = new PayloadException("payload invalid: " + firstLine(e));
                        } catch (IllegalArgumentException e) {
                            payloadError = new PayloadException("payload invalid: " + firstLine(e));
                        }
                        skipTo(p, envelope);
                    } else if (token != JsonToken.VALUE_NULL) {
                        payloadError = new PayloadException(PAYLOAD_NOT_OBJECT);
                        p.skipChildren();
                    }
                } else if (matches(name, REQID, reqid)) {
                    take(reqid, token == JsonToken.VALUE_STRING ? p.getText() : null, token, p);
                } else if (matches(name, VERSION, version)) {
                    take(version, token == JsonToken.VALUE_STRING ? p.getText() : null, token, p);
                } else if (matches(name, TIME, time)) {
                    boolean isLong = token == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER;
                    take(time, isLong ? p.getLongValue() : null, token, p);
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            return DecodedBody.malformed(notJson(e));
        }
        String reqidText = reqid.wrongKind ? null : (String) reqid.value;
        Malformed wrong = wrongKind(reqid.wrongKind, version.wrongKind, time.wrongKind, reqidText);
        if (wrong != null) {
            return DecodedBody.malformed(wrong);
        }
        if (payload.value == null && payloadError == null && !anyValue) {
            payloadError = new PayloadException(PAYLOAD_MISSING);
        }
        Envelope fields = new Envelope((String) version.value, time.value == null ? 0L : (Long) time.value, reqidText);
        return new DecodedBody<>(null, fields, type.cast(payload.value), payloadError);
    }

    // The one wording of each problem with an envelope.
    static final String PAYLOAD_MISSING = "payload missing";
    static final String PAYLOAD_NOT_OBJECT = "payload must be a JSON object";

    static Malformed notJson(IOException e) {
        return new Malformed(null, "body is not valid JSON: " + firstLine(e));
    }

    static Malformed emptyBody() {
        return new Malformed(null, "body is empty; expected a JSON object");
    }

    /** @param kind what the body is instead: array, string, number, boolean, null */
    static Malformed notAnObject(String kind) {
        return new Malformed(null, "body is a JSON " + kind + ", expected an object with version, time, reqid and payload");
    }

    /**
     * The first envelope field of the wrong kind, in the order they are checked, or null when
     * none is. A reqid that is not a string cannot name the request in the reply.
     */
    static Malformed wrongKind(boolean reqid, boolean version, boolean time, String reqidText) {
        if (reqid) {
            return new Malformed(null, "field 'reqid' must be a string");
        }
        if (version) {
            return new Malformed(reqidText, "field 'version' must be a string such as \"0.1.1\"");
        }
        if (time) {
            return new Malformed(reqidText, "field 'time' must be an integer (microseconds since the Unix epoch)");
        }
        return null;
    }

    /** A payload field of the wrong type, by its path and the type it should have had. */
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

    /**
     * Whether a field name is the wanted key: the exact name always (the last one wins), another
     * case only when it is the first of that key and no exact one came.
     */
    private static boolean matches(String name, String key, Field field) {
        if (name.equals(key)) {
            field.seen = true;
            return true;
        }
        if (field.seen || !name.equalsIgnoreCase(key)) {
            return false;
        }
        field.seen = true;
        return true;
    }

    /** Records a scalar field: null and absent are the same; anything but the right kind is wrong. */
    private static void take(Field field, Object value, JsonToken token, JsonParser p) throws IOException {
        field.value = value;
        field.wrongKind = value == null && token != JsonToken.VALUE_NULL;
        p.skipChildren();
    }

    /** After a payload that failed to bind, part of it is still unread: move on to the envelope's next field. */
    private static void skipTo(JsonParser p, JsonStreamContext envelope) throws IOException {
        while (p.getParsingContext() != envelope) {
            if (p.nextToken() == null) {
                return;
            }
        }
    }

    private ObjectReader reader(Class<?> type) {
        ObjectReader r = readers.get(type); // the common case: no lambda
        return r != null ? r : readers.computeIfAbsent(type, mapper::readerFor);
    }

    private static String kind(JsonToken token) {
        return switch (token) {
            case START_ARRAY -> "array";
            case VALUE_STRING -> "string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
            case VALUE_TRUE, VALUE_FALSE -> "boolean";
            case VALUE_NULL -> "null";
            default -> token.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
