package dev.kiamms.pipeline;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts, per action key or event subject, what became of the messages: for status and metrics. */
public final class HandlerStats {

    /** A snapshot of one handler's counters. */
    public record Counts(long handled, long failed, long refused, long duplicates, long totalNanos) {
    }

    private static final class Counters {
        final LongAdder handled = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder refused = new LongAdder();
        final LongAdder duplicates = new LongAdder();
        final LongAdder nanos = new LongAdder();
    }

    private final ConcurrentHashMap<String, Counters> byName = new ConcurrentHashMap<>();

    void handled(String name, long nanos) {
        Counters c = counters(name);
        c.handled.increment();
        c.nanos.add(nanos);
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
        byName.forEach((name, c) -> out.put(name, new Counts(c.handled.sum(), c.failed.sum(), c.refused.sum(), c.duplicates.sum(), c.nanos.sum())));
        return out;
    }

    private Counters counters(String name) {
        return byName.computeIfAbsent(name, n -> new Counters());
    }
}
