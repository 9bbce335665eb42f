package dev.kiamms.app.health;

import dev.kiamms.bus.DurableEvents;
import dev.kiamms.limit.BudgetCounts;
import dev.kiamms.mail.delivery.Attempt;
import dev.kiamms.pipeline.HandlerStats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything {@code /healthz} and {@code /metrics} report, read once from a {@link HealthSource}
 * per request so that one answer never mixes two moments.
 *
 * @param otherProblems what the source itself reports as wrong, see {@link HealthSource#problems()}
 * @param degradations  what works but not as promised, see {@link HealthSource#degradations()}
 */
public record HealthSnapshot(boolean brokerConnected, List<String> subscriptions, Map<String, HandlerStats.Counts> handlers,
                             Map<String, Map<Attempt.Outcome, Long>> mailAttempts, int brokerRestarts, long deadLetters,
                             List<String> otherProblems, List<String> degradations, List<DurableEvents.ConsumerState> consumers,
                             long possiblyDelivered, int spoolWaiting, Map<String, BudgetCounts.Counts> sendLimits) {

    public HealthSnapshot {
        sendLimits = sendLimits == null ? Map.of() : sendLimits;
        subscriptions = subscriptions == null ? List.of() : List.copyOf(subscriptions);
        handlers = handlers == null ? Map.of() : handlers;
        mailAttempts = mailAttempts == null ? Map.of() : mailAttempts;
        otherProblems = otherProblems == null ? List.of() : List.copyOf(otherProblems);
        degradations = degradations == null ? List.of() : List.copyOf(degradations);
        consumers = consumers == null ? List.of() : List.copyOf(consumers);
    }

    /** Without send-limit counts. */
    public HealthSnapshot(boolean brokerConnected, List<String> subscriptions, Map<String, HandlerStats.Counts> handlers,
                          Map<String, Map<Attempt.Outcome, Long>> mailAttempts, int brokerRestarts, long deadLetters,
                          List<String> otherProblems, List<String> degradations, List<DurableEvents.ConsumerState> consumers,
                          long possiblyDelivered, int spoolWaiting) {
        this(brokerConnected, subscriptions, handlers, mailAttempts, brokerRestarts, deadLetters, otherProblems, degradations,
                consumers, possiblyDelivered, spoolWaiting, Map.of());
    }

    public HealthSnapshot(boolean brokerConnected, List<String> subscriptions, Map<String, HandlerStats.Counts> handlers,
                          Map<String, Map<Attempt.Outcome, Long>> mailAttempts, int brokerRestarts, long deadLetters,
                          List<String> otherProblems) {
        this(brokerConnected, subscriptions, handlers, mailAttempts, brokerRestarts, deadLetters, otherProblems, List.of(), List.of(), 0, 0);
    }

    public static HealthSnapshot of(HealthSource source) {
        return new HealthSnapshot(source.brokerConnected(), source.subscriptions(), source.handlers(),
                source.mailAttempts(), source.brokerRestarts(), source.deadLetters(), source.problems(), source.degradations(),
                source.consumers(), source.possiblyDelivered(), source.spoolWaiting(), source.sendLimits());
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
