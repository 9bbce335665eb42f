package dev.kiamms.pipeline;

/**
 * What a handler may know about the message besides its payload.
 *
 * @param subject   the subject it arrived on, e.g. {@code kiam.console.action.iplocation}
 * @param reqid     the request id KrossIAM gave it; put it in every log line about the message
 * @param sentMicros when KrossIAM sent it, in microseconds since the epoch
 */
public record MessageContext(String subject, String reqid, long sentMicros) {
}
