package dev.kiamms.protocol;

/**
 * The outer fields of every message KrossIAM sends: protocol version, send time in microseconds
 * since the epoch and a unique request id (the payload is read into its own type beside it, see
 * {@link DecodedBody}). Fields that were absent on the wire are {@code null} (time: {@code 0}).
 */
public record Envelope(String version, long timeMicros, String reqid) {
}
