package dev.kiamms.app;

/**
 * The one way a command fails: a message for the person at the terminal (one line: what went
 * wrong and what to do) and the exit code. {@code KiamMs.main} prints it and exits.
 */
public final class KiamMsException extends RuntimeException {

    /** Exit codes, documented in the README. */
    public static final int FAILURE = 1;
    public static final int CONFIG = 2;
    public static final int NOT_RUNNING = 3;
    public static final int ACTION_FAILED = 4;

    private final int exitCode;

    public KiamMsException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public KiamMsException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
