package dev.kiamms.app.tail;

import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.sink.Redactor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Turns one message seen on the bus into one line: for people, time, subject, reqid and the
 * start of the payload; for programs ({@code json}), one JSON object with the whole envelope.
 * Secrets are masked in both, and so is {@code href}: a verification link lets whoever holds it
 * verify the address.
 */
public final class TailFormat {

    /** Longest payload excerpt in a line for people. */
    static final int SHORT_PAYLOAD = 120;
    private static final Redactor REDACTOR = new Redactor(Pattern.compile(Redactor.DEFAULT_KEYS.pattern() + "|href",
            Pattern.CASE_INSENSITIVE));

    private final ObjectMapper json = new ObjectMapper();
    private final boolean asJson;

    public TailFormat(boolean asJson) {
        this.asJson = asJson;
    }

    public String line(Instant received, String subject, byte[] body) {
        JsonNode envelope = parse(body);
        JsonNode reqidNode = envelope == null ? null : EnvelopeCodec.field(envelope, "reqid");
        String reqid = reqidNode == null ? "" : reqidNode.asText("");
        JsonNode masked = envelope == null ? null : REDACTOR.redact(envelope);
        if (asJson) {
            ObjectNode out = json.createObjectNode();
            out.put("time", received.toString());
            out.put("subject", subject);
            out.put("reqid", reqid);
            if (masked != null) {
                out.set("message", masked);
            } else {
                out.put("notJson", body.length + " bytes");
            }
            return write(out);
        }
        String payload = masked == null ? "(not JSON, " + body.length + " bytes)" : write(EnvelopeCodec.field(masked, "payload"));
        if (payload.length() > SHORT_PAYLOAD) {
            payload = payload.substring(0, SHORT_PAYLOAD - 1) + "…";
        }
        return received + "  " + subject + "  " + (reqid.isEmpty() ? "-" : reqid) + "  " + payload;
    }

    private JsonNode parse(byte[] body) {
        try {
            JsonNode n = json.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    private String write(JsonNode node) {
        try {
            return node == null ? "" : json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
