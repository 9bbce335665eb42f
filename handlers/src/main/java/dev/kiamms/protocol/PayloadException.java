package dev.kiamms.protocol;

/** A payload that does not have the shape its message type requires; the message says which field is wrong. */
public final class PayloadException extends Exception {
    public PayloadException(String message) {
        super(message, null, false, false);
    }
}
