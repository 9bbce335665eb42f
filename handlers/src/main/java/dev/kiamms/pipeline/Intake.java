package dev.kiamms.pipeline;

import dev.kiamms.protocol.BoundRequest;
import dev.kiamms.protocol.DecodeResult;
import dev.kiamms.protocol.Envelope;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.EnvelopeValidator;
import dev.kiamms.protocol.Rejection;
import dev.kiamms.protocol.ReplyCode;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;

/**
 * The first half of every message's way in, shared by actions and events: decode the envelope,
 * validate it, decode the payload into the handler's type. Thread-safe.
 */
public final class Intake {

    /** The message was read and may be handled, or it was refused with a code and a reason. */
    public sealed interface Outcome<P> {
    }

    public record Accepted<P>(P payload, MessageContext context) implements Outcome<P> {
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
        if (payloadType != JsonNode.class) {
            return readBound(subject, body, payloadType, receivedMicros);
        }
        DecodeResult decoded = codec.decode(body);
        if (decoded instanceof DecodeResult.Malformed m) {
            return malformed(m);
        }
        Envelope envelope = ((DecodeResult.Decoded) decoded).envelope();
        Optional<Rejection> invalid = validator.check(envelope, receivedMicros);
        if (invalid.isPresent()) {
            return new Refused<>(envelope.reqid(), invalid.get());
        }
        return new Accepted<>(payloadType.cast(envelope.payload()), context(subject, envelope));
    }

    /** A record payload: bound while the body is read, with no JSON tree in between. */
    private <P> Outcome<P> readBound(String subject, byte[] body, Class<P> payloadType, long receivedMicros) {
        BoundRequest<P> bound = codec.decode(body, payloadType);
        if (bound.malformed() != null) {
            return malformed(bound.malformed());
        }
        Envelope envelope = bound.envelope();
        Optional<Rejection> invalid = validator.check(envelope, receivedMicros);
        if (invalid.isPresent()) {
            return new Refused<>(envelope.reqid(), invalid.get());
        }
        if (bound.payloadError() != null) {
            return new Refused<>(envelope.reqid(), new Rejection(ReplyCode.GENERAL_ERROR, bound.payloadError().getMessage()));
        }
        return new Accepted<>(bound.payload(), context(subject, envelope));
    }

    private static <P> Outcome<P> malformed(DecodeResult.Malformed m) {
        return new Refused<>(m.reqid(), new Rejection(ReplyCode.GENERAL_ERROR, "malformed message: " + m.reason()));
    }

    private static MessageContext context(String subject, Envelope envelope) {
        return new MessageContext(subject, envelope.reqid(), envelope.timeMicros());
    }
}
