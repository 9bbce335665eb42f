package dev.kiamms.sink;

import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.MessageContext;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.Subjects;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * Records KrossIAM's log records ({@code kiam.console.log}; the payload is any JSON value) as JSON
 * lines, in the same shape as {@link NoticeRecorder}:
 * {@code {"received": "...", "subject": "kiam.console.log", "reqid": "...", "sent": <micros>, "payload": <record>}}.
 * Secrets under sensitive keys are masked unless switched off; text inside strings is not searched.
 *
 * <p>Not {@linkplain EventHandler#blocking() blocking}, so that the records stay in arrival order.
 */
public final class LogRecorder implements EventHandler<JsonNode> {

    private final JsonLinesFile file;
    private final MicroClock clock;
    private final boolean redact;

    /** A recorder on the system clock that masks secrets. */
    public LogRecorder(JsonLinesFile file) {
        this(file, MicroClock.system(), true);
    }

    /** @param redact whether {@link Redactor#standard()} masks secrets in the record before it is written */
    public LogRecorder(JsonLinesFile file, MicroClock clock, boolean redact) {
        this.file = Objects.requireNonNull(file, "file");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.redact = redact;
    }

    @Override
    public String subject() {
        return Subjects.LOG;
    }

    @Override
    public Class<JsonNode> payloadType() {
        return JsonNode.class;
    }

    public JsonLinesFile file() {
        return file;
    }

    public boolean redacts() {
        return redact;
    }

    /** @throws ActionException when the line could not be written; the message says where and why */
    @Override
    public void handle(JsonNode payload, MessageContext context) throws ActionException {
        EventRecords.record(file, clock, context, payload, redact);
    }
}
