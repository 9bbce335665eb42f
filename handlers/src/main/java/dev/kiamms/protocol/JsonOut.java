package dev.kiamms.protocol;

import com.fasterxml.jackson.core.io.NumberOutput;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The one writer of envelopes (replies and messages to KrossIAM), byte for byte what
 * {@link EnvelopeCodec}'s Jackson mapper would write (EnvelopeCodecTest and GeoIpRecordTest compare
 * them): strings as UTF-8 with quote, backslash, control characters and UTF-16 surrogates escaped,
 * numbers as Jackson prints them, NaN and the infinities quoted as Jackson quotes them. Jackson's
 * per-call set-up (generator, contexts, serializer lookups) was about a fifth of an iplocation
 * request's CPU. Not thread-safe: one per message.
 */
public final class JsonOut {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private byte[] buf = new byte[320];
    private int len;
    /** Whether the object being written has a field yet (a comma goes before the next one). */
    private boolean hasField;

    JsonOut() {
    }

    /** Starts an object as the value of the field just named (or as the whole document). */
    public JsonOut beginObject() {
        raw('{');
        hasField = false;
        return this;
    }

    /** Ends the innermost object; the enclosing one has a field from then on. */
    public JsonOut endObject() {
        raw('}');
        hasField = true;
        return this;
    }

    public JsonOut field(String name, String value) {
        name(name);
        if (value == null) {
            ascii("null");
        } else {
            string(value);
        }
        return this;
    }

    public JsonOut field(String name, long value) {
        name(name);
        ascii(Long.toString(value));
        return this;
    }

    public JsonOut field(String name, double value) {
        name(name);
        if (Double.isFinite(value)) {
            ascii(NumberOutput.toString(value, true));
        } else {
            string(Double.toString(value)); // "NaN", "Infinity", "-Infinity": quoted, as Jackson writes them
        }
        return this;
    }

    /** Names the next field: the value follows (e.g. {@link #beginObject()}). */
    public JsonOut name(String name) {
        if (hasField) {
            raw(',');
        }
        hasField = true;
        string(name);
        raw(':');
        return this;
    }

    /** JSON null as the value of the field just named. */
    JsonOut nullValue() {
        ascii("null");
        return this;
    }

    /** A value already written as JSON (by Jackson, for a payload that does not write itself). */
    JsonOut value(byte[] json) {
        if (len + json.length > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(len * 2, len + json.length));
        }
        System.arraycopy(json, 0, buf, len, json.length);
        len += json.length;
        return this;
    }

    byte[] toBytes() {
        return Arrays.copyOf(buf, len);
    }

    private void string(String s) {
        raw('"');
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c == '"' || c == '\\') {
                    raw('\\');
                    raw(c);
                } else if (c < 0x20) {
                    escapeControl(c);
                } else {
                    raw(c);
                }
            } else if (c < 0x800) {
                raw(0xc0 | (c >> 6));
                raw(0x80 | (c & 0x3f));
            } else if (Character.isSurrogate(c)) {
                // Jackson 2 writes each half of a pair (and a lone one) as its own \\uXXXX escape.
                hex4(c);
            } else {
                raw(0xe0 | (c >> 12));
                raw(0x80 | ((c >> 6) & 0x3f));
                raw(0x80 | (c & 0x3f));
            }
        }
        raw('"');
    }

    /** As Jackson escapes them: the short forms \b \t \n \f \r, the others as \\u00XX. */
    private void escapeControl(char c) {
        raw('\\');
        switch (c) {
            case '\b' -> raw('b');
            case '\t' -> raw('t');
            case '\n' -> raw('n');
            case '\f' -> raw('f');
            case '\r' -> raw('r');
            default -> {
                raw('u');
                raw('0');
                raw('0');
                raw(HEX[c >> 4]);
                raw(HEX[c & 0xf]);
            }
        }
    }

    private void hex4(char c) {
        raw('\\');
        raw('u');
        raw(HEX[c >> 12]);
        raw(HEX[(c >> 8) & 0xf]);
        raw(HEX[(c >> 4) & 0xf]);
        raw(HEX[c & 0xf]);
    }

    private void ascii(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            raw(s.charAt(i));
        }
    }

    private void raw(int b) {
        if (len == buf.length) {
            buf = Arrays.copyOf(buf, len * 2);
        }
        buf[len++] = (byte) b;
    }
}
