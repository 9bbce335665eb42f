package dev.kiamms.mail.delivery;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many attempts each MTA got, per {@link Attempt.Outcome}: for status and metrics.
 * Thread-safe; recording allocates nothing once an MTA has been seen.
 *
 * <p>{@link #process()} is the instance every {@link MailDelivery} of this JVM records its MTA
 * attempts in (messages written to the outbox are not MTA attempts and are not counted). It is
 * process-wide on purpose: a configuration reload replaces the {@code MailDelivery}, and the
 * counters must not start again from zero then.
 */
public final class DeliveryStats {

    private static final Attempt.Outcome[] OUTCOMES = Attempt.Outcome.values();
    private static final DeliveryStats PROCESS = new DeliveryStats();

    private final ConcurrentHashMap<String, LongAdder[]> byMta = new ConcurrentHashMap<>();

    /** The counters of every MailDelivery in this JVM. */
    public static DeliveryStats process() {
        return PROCESS;
    }

    /** Counts one attempt under its MTA and outcome. */
    public void record(Attempt attempt) {
        record(attempt.mta(), attempt.outcome());
    }

    public void record(String mta, Attempt.Outcome outcome) {
        LongAdder[] counters = byMta.get(mta);
        if (counters == null) {
            counters = byMta.computeIfAbsent(mta, m -> newCounters());
        }
        counters[outcome.ordinal()].increment();
    }

    /** The attempts counted for one MTA and outcome so far. */
    public long count(String mta, Attempt.Outcome outcome) {
        LongAdder[] counters = byMta.get(mta);
        return counters == null ? 0 : counters[outcome.ordinal()].sum();
    }

    /**
     * Per MTA name (sorted), the attempts per outcome; every outcome is present, with 0 when
     * there was none. MTAs that were never tried are absent.
     */
    public Map<String, Map<Attempt.Outcome, Long>> snapshot() {
        Map<String, Map<Attempt.Outcome, Long>> out = new TreeMap<>();
        byMta.forEach((mta, counters) -> {
            Map<Attempt.Outcome, Long> per = new EnumMap<>(Attempt.Outcome.class);
            for (Attempt.Outcome o : OUTCOMES) {
                per.put(o, counters[o.ordinal()].sum());
            }
            out.put(mta, per);
        });
        return out;
    }

    private static LongAdder[] newCounters() {
        LongAdder[] counters = new LongAdder[OUTCOMES.length];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = new LongAdder();
        }
        return counters;
    }
}
