package dev.kiamms.app.service;

import dev.kiamms.app.config.LimitSettings;
import dev.kiamms.bus.KvSendBudget;
import dev.kiamms.limit.BudgetCounts;
import dev.kiamms.limit.SendBudget;
import dev.kiamms.limit.SendLimit;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The appliance's per-recipient send limits: the budget the handlers ask from the moment they
 * subscribe, backed by the JetStream bucket once it is open. Until then (JetStream not attached,
 * or a broker without JetStream) a limited action is refused, never sent unlimited; an action
 * without a limit is allowed. Every answer is counted for {@code /metrics} and {@code status}.
 */
final class SendLimits implements SendBudget {

    /** How long one read or write of the bucket may take before the mail is refused. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);

    private final Map<String, SendLimit> inForce;
    private final BudgetCounts counts = new BudgetCounts();
    private volatile SendBudget store;

    SendLimits(Map<String, LimitSettings> settings) {
        this.inForce = LimitSettings.inForce(settings);
    }

    /** Opens (creating if needed) the shared bucket; nothing to open when no limit is in force. */
    Void open(Connection connection, int replicas) throws IOException, JetStreamApiException {
        if (!inForce.isEmpty()) {
            store = KvSendBudget.open(connection, inForce, replicas, CALL_TIMEOUT, Clock.systemUTC());
        }
        return null;
    }

    @Override
    public Verdict spend(String action, String recipient) {
        if (!inForce.containsKey(action)) {
            // Every route asks: counting those without a limit would fill status and /metrics with noise.
            return new Verdict.Allowed();
        }
        SendBudget s = store;
        Verdict v = s == null ? new Verdict.Unavailable("the send limits' JetStream bucket is not open (JetStream not attached yet)")
                : s.spend(action, recipient);
        counts.count(action, v);
        return v;
    }

    /** Per action: allowed, refused over the limit, refused because the store did not answer. */
    Map<String, BudgetCounts.Counts> counts() {
        return counts.snapshot();
    }
}
