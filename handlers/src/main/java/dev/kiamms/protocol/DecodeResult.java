package dev.kiamms.protocol;

/** What came of reading a message body: an envelope, or the reason it could not be read. */
public sealed interface DecodeResult {

    record Decoded(Envelope envelope) implements DecodeResult {
    }

    /**
     * The body is not a protocol envelope. {@code reqid} is what could still be read of the
     * request id (or {@code null}), so the reply can name the request it refuses.
     */
    record Malformed(String reqid, String reason) implements DecodeResult {
    }
}
