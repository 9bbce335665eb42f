package dev.kiamms.metrics;

import dev.kiamms.mail.delivery.Attempt;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The tracker that counts: per action key or event subject what became of the messages, with a
 * fixed-bucket histogram of how long the handled ones took, and per MTA the attempts by outcome.
 * One instance lives as long as the appliance (a reload keeps it, so counters never start again
 * from zero). Recording takes no lock and allocates nothing once a name has been seen; only an
 * error also stores its line.
 */
public final class CountingStats implements StatsTracker {

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

    private static final Attempt.Outcome[] OUTCOMES = Attempt.Outcome.values();

    private static final class Counters {
        final LongAdder handled = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder refused = new LongAdder();
        final LongAdder duplicates = new LongAdder();
        final LongAdder nanos = new LongAdder();
        final LongAdder[] buckets = adders(LATENCY_BUCKETS);
        volatile String lastError;
    }

    private final Instant started;
    private final ConcurrentHashMap<String, Counters> byName = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder[]> byMta = new ConcurrentHashMap<>();

    public CountingStats() {
        this(Instant.now());
    }

    /** @param started when counting began, for $SRV STATS */
    public CountingStats(Instant started) {
        this.started = started;
    }

    @Override
    public void handled(String name, long nanos) {
        Counters c = counters(name);
        c.handled.increment();
        c.nanos.add(nanos);
        c.buckets[bucket(nanos)].increment();
    }

    @Override
    public void failed(String name, String error) {
        Counters c = counters(name);
        c.failed.increment();
        c.lastError = error;
    }

    @Override
    public void refused(String name, String error) {
        Counters c = counters(name);
        c.refused.increment();
        c.lastError = error;
    }

    @Override
    public void duplicate(String name) {
        counters(name).duplicates.increment();
    }

    @Override
    public void mailAttempt(String mta, Attempt.Outcome outcome) {
        LongAdder[] counters = byMta.get(mta); // the common case: no lock, no lambda
        if (counters == null) {
            counters = byMta.computeIfAbsent(mta, m -> adders(OUTCOMES.length));
        }
        counters[outcome.ordinal()].increment();
    }

    /** Every counter now; names and MTAs never seen are absent. */
    public StatsSnapshot snapshot() {
        Map<String, HandlerCounts> handlers = new TreeMap<>();
        Map<String, String> lastErrors = new TreeMap<>();
        byName.forEach((name, c) -> {
            List<Long> buckets = new ArrayList<>(LATENCY_BUCKETS);
            for (LongAdder b : c.buckets) {
                buckets.add(b.sum());
            }
            handlers.put(name, new HandlerCounts(c.handled.sum(), c.failed.sum(), c.refused.sum(), c.duplicates.sum(),
                    c.nanos.sum(), buckets));
            String error = c.lastError;
            if (error != null) {
                lastErrors.put(name, error);
            }
        });
        Map<String, Map<Attempt.Outcome, Long>> mail = new TreeMap<>();
        byMta.forEach((mta, counters) -> {
            Map<Attempt.Outcome, Long> per = new EnumMap<>(Attempt.Outcome.class);
            for (Attempt.Outcome o : OUTCOMES) {
                per.put(o, counters[o.ordinal()].sum());
            }
            mail.put(mta, per);
        });
        return new StatsSnapshot(started, handlers, lastErrors, mail);
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

    private static LongAdder[] adders(int n) {
        LongAdder[] out = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            out[i] = new LongAdder();
        }
        return out;
    }
}
