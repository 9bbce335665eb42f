package dev.kiamms.limit;

import java.time.Duration;

/**
 * How many mails one recipient may get from one action (or route) within a time window, shared by
 * every kiam-ms on the broker. A handler asks before it sends; over budget it does not send.
 *
 * <p>Implementations fail closed: when the count cannot be read or written they answer
 * {@link Verdict.Unavailable}, never {@link Verdict.Allowed}, so a broken store cannot open the
 * door to a mail flood.
 */
@FunctionalInterface
public interface SendBudget {

    /** What became of one request to send. */
    sealed interface Verdict {
        /** Counted: send it. */
        record Allowed() implements Verdict {
        }

        /** The recipient had {@code limit.max()} mails within the window; the oldest leaves it in {@code retryAfter}. */
        record OverLimit(SendLimit limit, Duration retryAfter) implements Verdict {
            /** Whole minutes until a mail is allowed again, rounded up (at least 1). */
            public long retryAfterMinutes() {
                long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
                return (seconds + 59) / 60;
            }
        }

        /** The count could not be checked (the store does not answer): do not send. */
        record Unavailable(String reason) implements Verdict {
        }
    }

    /**
     * Counts one mail from {@code action} to {@code recipient} when the budget allows it.
     *
     * @param action    the action key or route name the budget belongs to
     * @param recipient the address, as the requester gave it (normalised by the implementation)
     */
    Verdict spend(String action, String recipient);

    /**
     * For a sender that answers no one (a route): counts the mail, or logs one line with the reqid
     * saying why it is dropped and returns false.
     *
     * @param log where the drop is logged (the caller's own logger)
     */
    default boolean allowsOrLogs(String action, String recipient, String reqid, java.util.logging.Logger log) {
        Verdict v = spend(action, recipient);
        if (v instanceof Verdict.OverLimit over) {
            log.warning(() -> "reqid=" + reqid + " " + action + ": mail dropped, the recipient had " + over.limit().describe()
                    + "; allowed again in " + over.retryAfter().toSeconds() + " s");
            return false;
        }
        if (v instanceof Verdict.Unavailable down) {
            log.warning(() -> "reqid=" + reqid + " " + action + ": mail dropped, its per-recipient limit cannot be checked: "
                    + down.reason());
            return false;
        }
        return true;
    }

    /** No limit at all: for tests and for an action whose limit is switched off. */
    static SendBudget unlimited() {
        return (action, recipient) -> new Verdict.Allowed();
    }
}
