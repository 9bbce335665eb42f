package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerSupervisor;
import dev.kiamms.app.health.HealthSnapshot;
import dev.kiamms.app.health.HealthSource;
import dev.kiamms.bus.AuditSpool;
import dev.kiamms.bus.DurableEvents;
import dev.kiamms.mail.delivery.Attempt;
import dev.kiamms.mail.delivery.MtaBreaker;
import dev.kiamms.metrics.CountingStats;
import dev.kiamms.metrics.StatsSnapshot;

import io.nats.client.Connection;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** What /healthz and /metrics read: counters and volatile fields, never the appliance's lock. */
final class ApplianceHealth implements HealthSource {

    private final Supplier<Connection> connection;
    private final Supplier<BrokerSupervisor> broker;
    private final Wiring wiring;
    private final CountingStats stats;
    private final long stallMillis;

    ApplianceHealth(Supplier<Connection> connection, Supplier<BrokerSupervisor> broker, Wiring wiring, CountingStats stats,
                    int stallSeconds) {
        this.connection = connection;
        this.broker = broker;
        this.wiring = wiring;
        this.stats = stats;
        this.stallMillis = stallSeconds * 1000L;
    }

    @Override
    public boolean brokerConnected() {
        Connection c = connection.get();
        return c != null && c.getStatus() == Connection.Status.CONNECTED;
    }

    @Override
    public List<String> subscriptions() {
        return wiring.answering();
    }

    @Override
    public StatsSnapshot stats() {
        return stats.snapshot();
    }

    @Override
    public int brokerRestarts() {
        BrokerSupervisor b = broker.get();
        return b == null ? 0 : b.restarts();
    }

    @Override
    public long deadLetters() {
        DurableEvents d = wiring.jetStream().durable();
        return d == null ? 0 : d.deadLettered();
    }

    @Override
    public List<DurableEvents.ConsumerState> consumers() {
        DurableEvents d = wiring.jetStream().durable();
        return d == null ? List.of() : d.state();
    }

    @Override
    public int spoolWaiting() {
        AuditSpool s = wiring.spool();
        return s == null ? 0 : s.waiting();
    }

    @Override
    public long possiblyDelivered() {
        DurableEvents d = wiring.jetStream().durable();
        return d == null ? 0 : d.possiblyDelivered();
    }

    @Override
    public java.util.Map<String, dev.kiamms.limit.BudgetCounts.Counts> sendLimits() {
        return wiring.jetStream().sendLimits().counts();
    }

    @Override
    public List<String> degradations() {
        List<String> out = new ArrayList<>();
        String waiting = wiring.jetStreamWaiting();
        if (waiting != null) {
            out.add(waiting);
        }
        AuditSpool s = wiring.spool();
        if (s != null && s.waiting() > 0) {
            out.add("the spool holds " + s.waiting() + " audit(s) the stream has not taken"
                    + (s.lastProblem() == null ? "" : " (" + s.lastProblem() + ")") + "; they are moved into it once it does");
        }
        JetStreamAttach js = wiring.jetStream();
        DurableEvents d = js.durable();
        if (d == null) {
            return out;
        }
        String unavailable = d.unavailable();
        if (unavailable != null) {
            out.add(unavailable + "; audits wait in the stream until it answers");
        }
        if (js.storeLoss() != null) {
            out.add(js.storeLoss());
        }
        if (js.diskProblem() != null) {
            out.add(js.diskProblem());
        }
        for (DurableEvents.ConsumerState c : d.state()) {
            if (c.stalledMillis() >= stallMillis) {
                out.add("durable consumer " + c.name() + ": " + c.pending() + " message(s) waiting, none taken for "
                        + c.stalledMillis() / 1000 + " s; see the log and 'kiam-ms status'");
            }
        }
        return out;
    }

    /** The counters and the health now, as 'kiam-ms status' in another process reads them from the run directory. */
    RunStats runStats() {
        HealthSnapshot snapshot = HealthSnapshot.of(this);
        Resources r = wiring.resources();
        List<MtaBreaker.State> mtas = r == null || r.delivery() == null ? List.of() : r.delivery().mtaStates();
        // One moment throughout: the counters as the snapshot read them, not read again.
        return RunStats.of(snapshot.stats(), snapshot.deadLetters(), snapshot.status(), snapshot.problems(), mtas,
                snapshot.sendLimits());
    }
}
