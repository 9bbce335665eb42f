package dev.kiamms.protocol;

/**
 * What came of reading a message body in one pass. Either the body is not a protocol envelope
 * ({@code malformed} set), or it is one: then {@code envelope} holds its fields and either
 * {@code payload} or, when the payload does not fit the wanted type, {@code payloadError}. A
 * payload error is reported only after the envelope has been validated, as the protocol orders
 * the checks.
 */
public record DecodedBody<T>(Malformed malformed, Envelope envelope, T payload, PayloadException payloadError) {

    static <T> DecodedBody<T> malformed(Malformed malformed) {
        return new DecodedBody<>(malformed, null, null, null);
    }

    /** The request id as far as it could be read, or null: for the reply and every log line. */
    public String reqid() {
        return malformed != null ? malformed.reqid() : envelope.reqid();
    }
}
