package dev.kiamms.metrics;

import dev.kiamms.mail.delivery.Attempt;

/**
 * Where the pipelines and mail delivery report what they did. They only report: counting,
 * formatting and exposing (metrics, health, status, $SRV) happen elsewhere, from one snapshot of
 * the tracker (see {@link CountingStats}). Implementations are called on message threads and must
 * not block.
 *
 * <p>{@code name} is an action key ({@code iplocation}) or an event subject.
 */
public interface StatsTracker {

    /** Counts nothing: for code that checks a configuration without running it. */
    StatsTracker NONE = new StatsTracker() {
        @Override
        public void handled(String name, long nanos) {
        }

        @Override
        public void failed(String name, String error) {
        }

        @Override
        public void refused(String name, String error) {
        }

        @Override
        public void duplicate(String name) {
        }

        @Override
        public void mailAttempt(String mta, Attempt.Outcome outcome) {
        }
    };

    /** A message was handled; {@code nanos}: intake, handler and reply together. */
    void handled(String name, long nanos);

    /** The handler failed; {@code error}: the one line the sender or the log was given. */
    void failed(String name, String error);

    /** Refused before a handler ran (bad envelope or payload, no handler). */
    void refused(String name, String error);

    /** A repeated reqid, not run again. */
    void duplicate(String name);

    /** One attempt to hand a mail to an MTA. */
    void mailAttempt(String mta, Attempt.Outcome outcome);
}
