package dev.kiamms.mail.delivery;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An {@link AttemptLog} that forwards to one set later: the mail handlers are built before the
 * broker's attempt stream can be opened, and this slot outlives configuration reloads.
 * Until a log is set, entries are dropped with a FINE line naming their reqid.
 */
public final class AttemptLogSlot implements AttemptLog {

    private static final Logger LOG = Logger.getLogger("kiamms.mail");

    private volatile AttemptLog target;

    /** From now on entries go to {@code log}; null: dropped again. */
    public void set(AttemptLog log) {
        this.target = log;
    }

    @Override
    public void record(AttemptEntry entry) {
        AttemptLog t = target;
        if (t == null) {
            LOG.log(Level.FINE, () -> "reqid=" + entry.reqid() + " delivery attempt not recorded: the attempt log is not open yet");
            return;
        }
        try {
            t.record(entry);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "reqid=" + entry.reqid() + " delivery attempt not recorded: " + e);
        }
    }
}
