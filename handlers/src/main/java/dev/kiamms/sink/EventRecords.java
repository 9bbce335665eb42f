package dev.kiamms.sink;

import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.MessageContext;
import dev.kiamms.pipeline.MicroClock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The line both recorders write:
 * {@code {"received": "<ISO-8601 UTC>", "subject": "...", "reqid": "...", "sent": <micros>, "payload": <payload>}}.
 */
final class EventRecords {

    /** Always six fraction digits, so that the lines sort and line up. */
    private static final DateTimeFormatter RECEIVED =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private EventRecords() {
    }

    static String iso(long micros) {
        Instant at = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
        return RECEIVED.format(at);
    }

    static ObjectNode line(long receivedMicros, MessageContext context, JsonNode payload, boolean redact) {
        ObjectNode line = JsonNodeFactory.instance.objectNode();
        line.put("received", iso(receivedMicros));
        line.put("subject", context.subject());
        line.put("reqid", context.reqid());
        line.put("sent", context.sentMicros());
        JsonNode value = payload == null ? NullNode.getInstance() : payload;
        line.set("payload", redact ? Redactor.standard().redact(value) : value);
        return line;
    }

    /** Writes the line, or throws what the pipeline logs with the message's reqid. */
    static void record(JsonLinesFile file, MicroClock clock, MessageContext context, JsonNode payload, boolean redact)
            throws ActionException {
        if (!file.append(line(clock.nowMicros(), context, payload, redact))) {
            throw new ActionException("not recorded in " + file.path() + ": " + file.lastFailure());
        }
    }
}
