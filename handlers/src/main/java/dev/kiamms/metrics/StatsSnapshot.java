package dev.kiamms.metrics;

import dev.kiamms.mail.delivery.Attempt;

import java.time.Instant;
import java.util.Map;

/**
 * The counters of a {@link CountingStats} at one moment: what /metrics, /healthz,
 * {@code run/stats.json} and the $SRV STATS answer all read, so that none counts on its own.
 *
 * @param started      when the counting began (the appliance's start)
 * @param handlers     per action key or event subject, sorted
 * @param lastErrors   per action key or event subject, the last error line; absent when none yet
 * @param mailAttempts per MTA name (sorted), the attempts per outcome, every outcome present
 */
public record StatsSnapshot(Instant started, Map<String, HandlerCounts> handlers, Map<String, String> lastErrors,
                            Map<String, Map<Attempt.Outcome, Long>> mailAttempts) {

    public StatsSnapshot {
        handlers = handlers == null ? Map.of() : handlers;
        lastErrors = lastErrors == null ? Map.of() : lastErrors;
        mailAttempts = mailAttempts == null ? Map.of() : mailAttempts;
    }

    /** Nothing counted yet. */
    public static StatsSnapshot empty(Instant started) {
        return new StatsSnapshot(started, Map.of(), Map.of(), Map.of());
    }
}
