package dev.kiamms.channel;

/**
 * A way an event reaches people or systems: mail, a webhook, an SMS gateway. Thread-safe; a
 * send never throws for a failure of the far end, it says so in its {@link SendOutcome}.
 */
public interface Channel {

    /** The name routes use for it: {@code email}, {@code webhook}, {@code sms}. */
    String name();

    /** Whether a route must say which payload fields hold this channel's recipients. */
    boolean needsRecipients();

    /**
     * True when each recipient gets a send of its own (an SMS per phone), so that each is
     * recorded apart; false when one send reaches them all (one mail, To and Cc).
     */
    default boolean sendsPerRecipient() {
        return false;
    }

    SendOutcome send(Outgoing outgoing);
}
