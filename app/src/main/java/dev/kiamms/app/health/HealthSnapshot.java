package dev.kiamms.app.health;

import dev.kiamms.bus.DurableEvents;
import dev.kiamms.limit.BudgetCounts;
import dev.kiamms.mail.delivery.Attempt;
import dev.kiamms.metrics.HandlerCounts;
import dev.kiamms.metrics.StatsSnapshot;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything {@code /healthz} and {@code /metrics} report, read once from a {@link HealthSource}
 * per request so that one answer never mixes two moments.
 *
 * @param stats         the message and mail counters, the same snapshot status and $SRV read
 * @param otherProblems what the source itself reports as wrong, see {@link HealthSource#problems()}
 * @param degradations  what works but not as promised, see {@link HealthSource#degradations()}
 */
public record HealthSnapshot(boolean brokerConnected, List<String> subscriptions, StatsSnapshot stats, int brokerRestarts, long deadLetters,
                             List<String> otherProblems, List<String> degradations, List<DurableEvents.ConsumerState> consumers,
                             long possiblyDelivered, int spoolWaiting, Map<String, BudgetCounts.Counts> sendLimits) {

    public HealthSnapshot {
        sendLimits = sendLimits == null ? Map.of() : sendLimits;
        subscriptions = subscriptions == null ? List.of() : List.copyOf(subscriptions);
        stats = stats == null ? StatsSnapshot.empty(Instant.EPOCH) : stats;
        otherProblems = otherProblems == null ? List.of() : List.copyOf(otherProblems);
        degradations = degradations == null ? List.of() : List.copyOf(degradations);
        consumers = consumers == null ? List.of() : List.copyOf(consumers);
    }

    /** Without durable consumers, spool or degradations; counters as given (no last errors). */
    public HealthSnapshot(boolean brokerConnected, List<String> subscriptions, Map<String, HandlerCounts> handlers,
                          Map<String, Map<Attempt.Outcome, Long>> mailAttempts, int brokerRestarts, long deadLetters,
                          List<String> otherProblems) {
        this(brokerConnected, subscriptions, new StatsSnapshot(Instant.EPOCH, handlers, Map.of(), mailAttempts), brokerRestarts,
                deadLetters, otherProblems, List.of(), List.of(), 0, 0, Map.of());
    }

    public static HealthSnapshot of(HealthSource source) {
        return new HealthSnapshot(source.brokerConnected(), source.subscriptions(), source.stats(), source.brokerRestarts(), source.deadLetters(), source.problems(), source.degradations(),
                source.consumers(), source.possiblyDelivered(), source.spoolWaiting(), source.sendLimits());
    }

    /** Per action key or event subject, sorted. */
    public Map<String, HandlerCounts> handlers() {
        return stats.handlers();
    }

    /** Per MTA name (sorted), the attempts per outcome. */
    public Map<String, Map<Attempt.Outcome, Long>> mailAttempts() {
        return stats.mailAttempts();
    }

    /** {@code ok}, {@code degraded} (answering, but something a person should look at) or {@code unhealthy}. */
    public String status() {
        if (!problems().isEmpty()) {
            return degradations.containsAll(problems()) ? "degraded" : "unhealthy";
        }
        return "ok";
    }

    /** Why the appliance is not healthy, one line each; empty when it is. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        if (!brokerConnected) {
            out.add("not connected to the broker");
        }
        if (subscriptions.isEmpty()) {
            out.add("no subscriptions: kiam-ms answers nothing");
        }
        out.addAll(otherProblems);
        out.addAll(degradations);
        return out;
    }

    public boolean healthy() {
        return problems().isEmpty();
    }
}
