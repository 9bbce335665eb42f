package dev.kiamms.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The outer object of every message KrossIAM sends: protocol version, send time in microseconds
 * since the epoch, a unique request id and the message's own payload. Fields that were absent on
 * the wire are {@code null} (time: {@code 0}).
 */
public record Envelope(String version, long timeMicros, String reqid, JsonNode payload) {
}
