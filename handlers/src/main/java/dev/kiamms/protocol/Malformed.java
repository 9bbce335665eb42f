package dev.kiamms.protocol;

/**
 * A body that is not a protocol envelope. {@code reqid} is what could still be read of the request
 * id (or {@code null}), so that the reply and the log line can name the request that is refused.
 */
public record Malformed(String reqid, String reason) {
}
