package dev.kiamms.mail.delivery;

import java.util.List;

/**
 * No MTA took the message, or one may have taken it without saying so. The message is one line
 * naming every attempt; {@link #ambiguous()} says the mail may still arrive, so it must not be
 * sent again.
 */
public final class DeliveryException extends Exception {

    private final boolean ambiguous;
    private final List<Attempt> attempts;

    public DeliveryException(String message, boolean ambiguous, List<Attempt> attempts) {
        super(message);
        this.ambiguous = ambiguous;
        this.attempts = List.copyOf(attempts);
    }

    public boolean ambiguous() {
        return ambiguous;
    }

    public List<Attempt> attempts() {
        return attempts;
    }
}
