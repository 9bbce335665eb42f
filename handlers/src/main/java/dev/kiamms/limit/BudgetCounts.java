package dev.kiamms.limit;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per action or route, what the send budget answered since kiam-ms started: for {@code /metrics}
 * and {@code status}. Safe to share between threads.
 */
public final class BudgetCounts {

    /** One action's counts: mails allowed, refused over the limit, refused because the store did not answer. */
    public record Counts(long allowed, long overLimit, long unavailable) {
    }

    private record Adders(LongAdder allowed, LongAdder overLimit, LongAdder unavailable) {
        Adders() {
            this(new LongAdder(), new LongAdder(), new LongAdder());
        }
    }

    private final Map<String, Adders> byAction = new ConcurrentHashMap<>();

    public void count(String action, SendBudget.Verdict verdict) {
        Adders a = byAction.computeIfAbsent(action, k -> new Adders());
        LongAdder counter = verdict instanceof SendBudget.Verdict.Allowed ? a.allowed()
                : verdict instanceof SendBudget.Verdict.OverLimit ? a.overLimit() : a.unavailable();
        counter.increment();
    }

    /** A copy, sorted by action. */
    public Map<String, Counts> snapshot() {
        Map<String, Counts> out = new TreeMap<>();
        byAction.forEach((k, a) -> out.put(k, new Counts(a.allowed().sum(), a.overLimit().sum(), a.unavailable().sum())));
        return out;
    }

    /** {@code budget}, with every verdict counted here. */
    public SendBudget counting(SendBudget budget) {
        return (action, recipient) -> {
            SendBudget.Verdict v = budget.spend(action, recipient);
            count(action, v);
            return v;
        };
    }
}
