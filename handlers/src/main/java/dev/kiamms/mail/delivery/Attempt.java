package dev.kiamms.mail.delivery;

/** What happened when one MTA was tried. {@code detail} is one line, with no password in it. */
public record Attempt(String mta, Outcome outcome, String detail) {

    public enum Outcome {
        /** The MTA accepted the message. */
        DELIVERED,
        /** Certainly not delivered (refused connection, TLS or AUTH failure, a rejection): the next MTA may be tried. */
        NOT_DELIVERED,
        /** May have been delivered (the connection failed after the message data was sent): never resent. */
        AMBIGUOUS
    }
}
