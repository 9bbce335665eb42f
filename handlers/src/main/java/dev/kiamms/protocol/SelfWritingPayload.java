package dev.kiamms.protocol;

/**
 * A reply payload that writes its own JSON object, so that its reply is encoded without Jackson
 * (see {@link JsonOut}). For the payloads of the busiest actions only; any other payload is
 * written by Jackson into the envelope JsonOut writes.
 */
public interface SelfWritingPayload {

    /** Writes this payload's fields, in the order Jackson would, into an object already begun. */
    void writeFields(JsonOut out);
}
