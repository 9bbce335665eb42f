package dev.kiamms.app.service;

import dev.kiamms.bus.DeadLetters;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What became of every audit a fault test's publisher got confirmed: mailed (how often, how
 * late), kept as a "may have been delivered" dead letter, kept as a dead letter for another
 * reason, or nothing at all (lost).
 */
record AuditOutcomes(int confirmed, int mailed, Set<String> possiblyDelivered, List<String> twice, List<String> lost,
                     List<String> otherDeadLetters, int mailedUnconfirmed, List<Long> latenciesMillis) {

    static AuditOutcomes count(Map<String, Long> confirmed, CountingSmtpServer smtp, List<DeadLetters> stores) throws IOException {
        Set<String> possiblyDelivered = new TreeSet<>();
        List<String> other = new ArrayList<>();
        for (DeadLetters store : stores) {
            for (DeadLetters.Letter letter : store.list()) {
                if (letter.mayHaveBeenDelivered()) {
                    possiblyDelivered.add(letter.reqid());
                } else {
                    other.add(letter.reqid() + ": " + letter.reason());
                }
            }
        }
        List<String> lost = new ArrayList<>();
        List<String> twice = new ArrayList<>();
        List<Long> latencies = new ArrayList<>();
        int mailed = 0;
        for (Map.Entry<String, Long> e : confirmed.entrySet()) {
            AtomicInteger n = smtp.mailed().get(e.getKey());
            int count = n == null ? 0 : n.get();
            if (count == 0 && !possiblyDelivered.contains(e.getKey())) {
                lost.add(e.getKey());
            }
            if (count > 1) {
                twice.add(e.getKey() + " (" + count + " times)");
            }
            if (count > 0) {
                mailed++;
                latencies.add(TimeUnit.NANOSECONDS.toMillis(smtp.firstMailedAt(e.getKey()) - e.getValue()));
            }
        }
        Set<String> unknown = new HashSet<>(smtp.mailed().keySet());
        unknown.removeAll(confirmed.keySet());
        Collections.sort(latencies);
        return new AuditOutcomes(confirmed.size(), mailed, possiblyDelivered, twice, lost, other, unknown.size(), latencies);
    }

    /** Whether every confirmed audit was mailed or buried: the backlog is done. */
    static boolean accountedFor(Set<String> confirmed, CountingSmtpServer smtp, List<DeadLetters> stores) throws IOException {
        Set<String> open = new HashSet<>(confirmed);
        open.removeAll(smtp.mailed().keySet());
        for (DeadLetters store : stores) {
            if (open.isEmpty()) {
                break;
            }
            for (DeadLetters.Letter letter : store.list()) {
                open.remove(letter.reqid());
            }
        }
        return open.isEmpty();
    }

    long latency(double quantile) {
        return latenciesMillis.isEmpty() ? 0 : latenciesMillis.get(Math.min(latenciesMillis.size() - 1,
                (int) (latenciesMillis.size() * quantile)));
    }

    /** The figures, the test's own first, one per line. */
    String report(Map<String, Object> testFigures) {
        StringBuilder out = new StringBuilder("audit figures:\n");
        testFigures.forEach((k, v) -> line(out, k, v));
        line(out, "mailed", mailed);
        line(out, "possibly delivered (dead letters)", possiblyDelivered.size());
        line(out, "mailed twice", twice.size());
        line(out, "lost", lost.size());
        line(out, "dead letters for another reason", otherDeadLetters.size());
        line(out, "mailed without a receipt (publisher gave up)", mailedUnconfirmed);
        line(out, "latency median ms", latency(0.5));
        line(out, "latency p99 ms", latency(0.99));
        line(out, "latency worst ms", latency(1.0));
        return out.toString();
    }

    private static void line(StringBuilder out, String name, Object value) {
        out.append(String.format("  %-46s %s%n", name, value));
    }

    /** Never twice, never lost, never buried for another reason. */
    void assertThePromise(String context) {
        assertEquals(List.of(), twice, "no audit mailed twice\n" + context);
        assertEquals(List.of(), lost, "no confirmed audit lost\n" + context);
        assertEquals(List.of(), otherDeadLetters, "no dead letter for another reason\n" + context);
    }
}
