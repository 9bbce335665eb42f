package dev.kiamms.mail.delivery;

/**
 * Where every delivery attempt is recorded, for {@code kiam-ms deliveries}. An implementation
 * must return at once and never throw: recording is a record, never a condition of the mail.
 */
public interface AttemptLog {

    /** Records nothing. */
    AttemptLog NONE = entry -> {
    };

    void record(AttemptEntry entry);
}
