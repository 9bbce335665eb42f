package dev.kiamms.channel;

/** How one send through a channel ended. */
public sealed interface SendOutcome {

    /** Taken by {@code endpoint} (a host or MTA name: never a URL path or query, which may hold a token). */
    record Delivered(String endpoint) implements SendOutcome {
    }

    /** Nothing went out, and trying again later may succeed (a time-out, a 5xx, a refused connection). */
    record RetryLater(String reason) implements SendOutcome {
    }

    /**
     * Trying again cannot help (a 4xx, a bad recipient) or could do harm: {@code maybeSent} true
     * when the far end may have taken it (a time-out after the request went out), so a retry could
     * reach the person twice.
     */
    record Failed(String reason, boolean maybeSent) implements SendOutcome {
    }
}
