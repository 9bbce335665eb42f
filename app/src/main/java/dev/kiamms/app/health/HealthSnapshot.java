package dev.kiamms.app.health;

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
 */
public record HealthSnapshot(boolean brokerConnected, List<String> subscriptions, Map<String, HandlerStats.Counts> handlers,
                             Map<String, Map<Attempt.Outcome, Long>> mailAttempts, int brokerRestarts, long deadLetters,
                             List<String> otherProblems) {

    public HealthSnapshot {
        subscriptions = subscriptions == null ? List.of() : List.copyOf(subscriptions);
        handlers = handlers == null ? Map.of() : handlers;
        mailAttempts = mailAttempts == null ? Map.of() : mailAttempts;
        otherProblems = otherProblems == null ? List.of() : List.copyOf(otherProblems);
    }

    public static HealthSnapshot of(HealthSource source) {
        return new HealthSnapshot(source.brokerConnected(), source.subscriptions(), source.handlers(),
                source.mailAttempts(), source.brokerRestarts(), source.deadLetters(), source.problems());
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
        return out;
    }

    public boolean healthy() {
        return problems().isEmpty();
    }
}
