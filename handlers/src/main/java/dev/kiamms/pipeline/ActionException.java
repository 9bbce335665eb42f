package dev.kiamms.pipeline;

/**
 * An action that could not be carried out for a reason the requester should read: the message
 * goes back to KrossIAM in a code-1 reply, so it says what failed and why in one line.
 */
public final class ActionException extends Exception {

    private final boolean retryable;

    public ActionException(String message) {
        this(message, true);
    }

    /** @param retryable false when trying again could do harm (a mail that may already have been delivered) */
    public ActionException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public ActionException(String message, Throwable cause) {
        super(message, cause);
        this.retryable = true;
    }

    /** Whether a durable message that failed this way may be delivered to its handler again. */
    public boolean retryable() {
        return retryable;
    }
}
