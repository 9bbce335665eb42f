package dev.kiamms.app.logging;

import java.util.logging.LogManager;

/**
 * A LogManager that ignores the reset java.util.logging runs in its own shutdown hook. Without
 * it, the log lines kiam-ms writes while it stops (drain, broker stop) race that reset and are
 * lost. Handlers here flush every record, so nothing is left unwritten at exit.
 */
public final class DeferredResetLogManager extends LogManager {

    private volatile boolean resetAllowed;

    @Override
    public void reset() {
        if (resetAllowed) {
            super.reset();
        }
    }

    /** The reset {@link LogSetup} asks for when it installs its handlers. */
    void resetNow() {
        resetAllowed = true;
        try {
            super.reset();
        } finally {
            resetAllowed = false;
        }
    }
}
