package dev.kiamms.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts, per action key or event subject, what became of the messages: for status and metrics.
 * Also keeps a fixed-bucket histogram of how long the handled messages took (intake, handler and
 * reply encoding, as the pipelines measure it). Recording allocates nothing: a counter per bucket.
 */
public final class HandlerStats {

    /**
     * The upper bounds of the latency buckets, in seconds, smallest first. A message that took at
     * most a bound counts in that bucket; the bucket after the last bound is +Inf.
     */
    public static final List<Double> LATENCY_BOUNDS_SECONDS = List.of(
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0);

    /** The same bounds in nanoseconds (exact: every bound is a whole number of nanoseconds). */
    private static final long[] BOUNDS_NANOS = LATENCY_BOUNDS_SECONDS.stream()
            .mapToLong(s -> Math.round(s * 1e9)).toArray();

    /** Buckets per name: one per bound, plus +Inf. */
    public static final int LATENCY_BUCKETS = BOUNDS_NANOS.length + 1;

    /**
     * A snapshot of one handler's counters.
     *
     * @param totalNanos     the time the handled messages took, together
     * @param latencyBuckets how many handled messages fell in each bucket of {@link #LATENCY_BOUNDS_SECONDS}
     *                       (not cumulative), the last entry the +Inf bucket: {@link #LATENCY_BUCKETS}
     *                       entries, or none when not known (a snapshot made without the histogram).
     *                       Read while messages are handled, their sum may differ from {@code handled}
     *                       by the messages being counted at that moment.
     */
    public record Counts(long handled, long failed, long refused, long duplicates, long totalNanos, List<Long> latencyBuckets) {

        public Counts {
            latencyBuckets = latencyBuckets == null ? List.of() : List.copyOf(latencyBuckets);
            if (!latencyBuckets.isEmpty() && latencyBuckets.size() != LATENCY_BUCKETS) {
                throw new IllegalArgumentException("latencyBuckets has " + latencyBuckets.size() + " entries, not "
                        + LATENCY_BUCKETS);
            }
        }

        /** Counts without the latency histogram. */
        public Counts(long handled, long failed, long refused, long duplicates, long totalNanos) {
            this(handled, failed, refused, duplicates, totalNanos, List.of());
        }
    }

    private static final class Counters {
        final LongAdder handled = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder refused = new LongAdder();
        final LongAdder duplicates = new LongAdder();
        final LongAdder nanos = new LongAdder();
        final LongAdder[] buckets = new LongAdder[LATENCY_BUCKETS];

        Counters() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }
    }

    private final ConcurrentHashMap<String, Counters> byName = new ConcurrentHashMap<>();

    void handled(String name, long nanos) {
        Counters c = counters(name);
        c.handled.increment();
        c.nanos.add(nanos);
        c.buckets[bucket(nanos)].increment();
    }

    void failed(String name) {
        counters(name).failed.increment();
    }

    void refused(String name) {
        counters(name).refused.increment();
    }

    void duplicate(String name) {
        counters(name).duplicates.increment();
    }

    public Map<String, Counts> snapshot() {
        Map<String, Counts> out = new TreeMap<>();
        byName.forEach((name, c) -> {
            List<Long> buckets = new ArrayList<>(LATENCY_BUCKETS);
            for (LongAdder b : c.buckets) {
                buckets.add(b.sum());
            }
            out.put(name, new Counts(c.handled.sum(), c.failed.sum(), c.refused.sum(), c.duplicates.sum(), c.nanos.sum(), buckets));
        });
        return out;
    }

    /** The index of the bucket for a duration: the first bound it does not exceed, else +Inf. */
    static int bucket(long nanos) {
        long[] bounds = BOUNDS_NANOS;
        for (int i = 0; i < bounds.length; i++) {
            if (nanos <= bounds[i]) {
                return i;
            }
        }
        return bounds.length;
    }

    private Counters counters(String name) {
        Counters c = byName.get(name); // the common case: no lock, no lambda
        return c != null ? c : byName.computeIfAbsent(name, n -> new Counters());
    }
}
