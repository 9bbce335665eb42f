package dev.kiamms.sink;

import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.MessageContext;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.Subjects;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * Records {@code kiam.console.notice.<key>} messages as JSON lines:
 * {@code {"received": "2024-01-02T03:04:05.678901Z", "subject": "kiam.console.notice.<key>",
 * "reqid": "...", "sent": <micros>, "payload": <the payload, secrets masked>}}.
 *
 * <p>{@link EventHandler#subject()} is one exact subject, since the event pipeline dispatches by
 * exact subject. {@link #ALL} ({@code kiam.console.notice.>}) is accepted too, for a pipeline that
 * also dispatches by wildcard; the line then carries each message's own subject.
 *
 * <p>Not {@linkplain EventHandler#blocking() blocking}: an append is one buffered write to a
 * local file, and running on the subscription's thread keeps the lines in arrival order.
 */
public final class NoticeRecorder implements EventHandler<JsonNode> {

    /** Every notice, as a NATS wildcard subject. */
    public static final String ALL = Subjects.NOTICE_PREFIX + ">";

    private final String subject;
    private final JsonLinesFile file;
    private final MicroClock clock;
    private final boolean redact;

    /** A recorder that masks secrets ({@link Redactor}). */
    public NoticeRecorder(String subject, JsonLinesFile file, MicroClock clock) {
        this(subject, file, clock, true);
    }

    /**
     * @param subject {@code kiam.console.notice.<key>}, or {@link #ALL}
     * @param redact  whether {@link Redactor#standard()} masks secrets in the payload before it is written
     */
    public NoticeRecorder(String subject, JsonLinesFile file, MicroClock clock, boolean redact) {
        this.subject = checkSubject(subject);
        this.file = Objects.requireNonNull(file, "file");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.redact = redact;
    }

    private static String checkSubject(String subject) {
        Objects.requireNonNull(subject, "subject");
        if (subject.equals(ALL)) {
            return subject;
        }
        String key = subject.startsWith(Subjects.NOTICE_PREFIX) ? subject.substring(Subjects.NOTICE_PREFIX.length()) : "";
        if (key.isEmpty() || !key.chars().allMatch(c -> c > ' ' && c < 0x7f && c != '.' && c != '*' && c != '>')) {
            throw new IllegalArgumentException("subject must be " + Subjects.NOTICE_PREFIX + "<key> (one token, no"
                    + " wildcard) or " + ALL + ": " + subject);
        }
        return subject;
    }

    @Override
    public String subject() {
        return subject;
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
