package dev.kiamms.metrics;

import java.util.List;

/**
 * A snapshot of one action's or event subject's counters.
 *
 * @param totalNanos     the time the handled messages took, together
 * @param latencyBuckets how many handled messages fell in each bucket of {@link CountingStats#LATENCY_BOUNDS_SECONDS}
 *                       (not cumulative), the last entry the +Inf bucket: {@link CountingStats#LATENCY_BUCKETS}
 *                       entries, or none when not known (a snapshot made without the histogram).
 *                       Read while messages are handled, their sum may differ from {@code handled}
 *                       by the messages being counted at that moment.
 */
public record HandlerCounts(long handled, long failed, long refused, long duplicates, long totalNanos, List<Long> latencyBuckets) {

    public HandlerCounts {
        latencyBuckets = latencyBuckets == null ? List.of() : List.copyOf(latencyBuckets);
        if (!latencyBuckets.isEmpty() && latencyBuckets.size() != CountingStats.LATENCY_BUCKETS) {
            throw new IllegalArgumentException("latencyBuckets has " + latencyBuckets.size() + " entries, not "
                    + CountingStats.LATENCY_BUCKETS);
        }
    }

    /** Counts without the latency histogram. */
    public HandlerCounts(long handled, long failed, long refused, long duplicates, long totalNanos) {
        this(handled, failed, refused, duplicates, totalNanos, List.of());
    }

    /** Requests that got an error: the handler failed or the request was refused. */
    public long errors() {
        return failed + refused;
    }

    /** The mean time of a handled message in nanoseconds; 0 before the first. */
    public long averageNanos() {
        return handled == 0 ? 0 : totalNanos / handled;
    }
}
