package dev.kiamms.pipeline;

import dev.kiamms.protocol.DecodedBody;
import dev.kiamms.protocol.Envelope;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.EnvelopeValidator;
import dev.kiamms.protocol.Malformed;
import dev.kiamms.protocol.Rejection;
import dev.kiamms.protocol.ReplyCode;

import java.util.Optional;

/**
 * The first half of every message's way in, shared by actions and events: decode the envelope,
 * validate it, decode the payload into the handler's type. Thread-safe.
 */
public final class Intake {

    /**
     * The message was read and may be handled, or it was refused with a code and a reason. Either
     * way its reqid (as far as it could be read) goes with it, to the reply and every log line.
     */
    public sealed interface Outcome<P> {
        String reqid();
    }

    public record Accepted<P>(P payload, MessageContext context) implements Outcome<P> {
        @Override
        public String reqid() {
            return context.reqid();
        }
    }

    public record Refused<P>(String reqid, Rejection rejection) implements Outcome<P> {
    }

    private final EnvelopeCodec codec;
    private final EnvelopeValidator validator;
    private final MicroClock clock;

    public Intake(EnvelopeCodec codec, EnvelopeValidator validator, MicroClock clock) {
        this.codec = codec;
        this.validator = validator;
        this.clock = clock;
    }

    public EnvelopeCodec codec() {
        return codec;
    }

    public MicroClock clock() {
        return clock;
    }

    public <P> Outcome<P> read(String subject, byte[] body, Class<P> payloadType) {
        return read(subject, body, payloadType, clock.nowMicros());
    }

    /**
     * @param receivedMicros when the message reached the broker: now for a live message, the
     *                       stream's timestamp for one read back from JetStream later, so that a
     *                       stored audit is judged by how old it was when it arrived
     */
    public <P> Outcome<P> read(String subject, byte[] body, Class<P> payloadType, long receivedMicros) {
        DecodedBody<P> decoded = codec.decode(body, payloadType);
        if (decoded.malformed() != null) {
            Malformed m = decoded.malformed();
            return new Refused<>(m.reqid(), new Rejection(ReplyCode.GENERAL_ERROR, "malformed message: " + m.reason()));
        }
        Envelope envelope = decoded.envelope();
        Optional<Rejection> invalid = validator.check(envelope, receivedMicros);
        if (invalid.isPresent()) {
            return new Refused<>(envelope.reqid(), invalid.get());
        }
        if (decoded.payloadError() != null) {
            return new Refused<>(envelope.reqid(), new Rejection(ReplyCode.GENERAL_ERROR, decoded.payloadError().getMessage()));
        }
        return new Accepted<>(decoded.payload(), context(subject, envelope));
    }

    private static MessageContext context(String subject, Envelope envelope) {
        return new MessageContext(subject, envelope.reqid(), envelope.timeMicros());
    }
}
