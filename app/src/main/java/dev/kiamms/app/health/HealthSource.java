package dev.kiamms.app.health;

import dev.kiamms.bus.DurableEvents;
import dev.kiamms.limit.BudgetCounts;
import dev.kiamms.metrics.StatsSnapshot;

import java.util.List;
import java.util.Map;

/**
 * What the health endpoint reads from the running appliance. Called on the health server's own
 * thread for every request, so each method must be cheap and must not wait on message handling,
 * on the broker or on a lock a reload or a drain may hold for long.
 */
public interface HealthSource {

    /** Whether the subscribers' connection to the broker is up (connected, not reconnecting). */
    boolean brokerConnected();

    /** What kiam-ms answers or consumes now; empty means nothing is subscribed (not healthy). */
    List<String> subscriptions();

    /** The message and mail counters now, one snapshot of the appliance's {@code CountingStats}. */
    StatsSnapshot stats();

    /** How often the managed broker was restarted since kiam-ms started (0 with an external broker). */
    int brokerRestarts();

    /** How many audits became dead letters since kiam-ms started. */
    long deadLetters();

    /** Anything else that makes the appliance unhealthy, one line each (say, "stopping"); none by default. */
    default List<String> problems() {
        return List.of();
    }

    /**
     * What works but not as promised, one line each (say, audits waiting that nobody takes): the
     * appliance answers, but a person should look. None by default.
     */
    default List<String> degradations() {
        return List.of();
    }

    /** The durable consumers as last seen (audits, log records); none with JetStream off. */
    default List<DurableEvents.ConsumerState> consumers() {
        return List.of();
    }

    /** Audits in this node's spool that the stream has not taken yet. */
    default int spoolWaiting() {
        return 0;
    }

    /** Audits kept as dead letters because an earlier attempt may have mailed them, since kiam-ms started. */
    default long possiblyDelivered() {
        return 0;
    }

    /** Per action or route with a send limit: mails allowed, refused over the limit, refused with the store down. */
    default Map<String, BudgetCounts.Counts> sendLimits() {
        return Map.of();
    }
}
