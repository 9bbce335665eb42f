package dev.kiamms.pipeline;

/**
 * An action that could not be carried out for a reason the requester should read: the message
 * goes back to KrossIAM in a code-1 reply, so it says what failed and why in one line.
 */
public final class ActionException extends Exception {
    public ActionException(String message) {
        super(message);
    }

    public ActionException(String message, Throwable cause) {
        super(message, cause);
    }
}
