package dev.kiamms.protocol;

/**
 * What came of reading a request body and binding its payload to a record type in one pass.
 * Either the body is not a protocol envelope ({@code malformed} set, as {@link DecodeResult.Malformed}
 * says), or it is one: then {@code envelope} holds its fields (its {@code payload} is null: the
 * payload is bound instead), and either {@code payload} or, when the payload does not fit the type,
 * {@code payloadError}. A payload error is reported only after the envelope has been validated, as
 * the protocol orders the checks.
 */
public record BoundRequest<T>(DecodeResult.Malformed malformed, Envelope envelope, T payload, PayloadException payloadError) {

    static <T> BoundRequest<T> malformed(DecodeResult.Malformed malformed) {
        return new BoundRequest<>(malformed, null, null, null);
    }
}
