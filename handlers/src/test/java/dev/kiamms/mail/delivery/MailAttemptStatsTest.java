package dev.kiamms.mail.delivery;

import dev.kiamms.metrics.CountingStats;
import dev.kiamms.testing.FreePorts;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Attempt counters per MTA and outcome, and that MailDelivery reports its attempts to the tracker it was given. */
class MailAttemptStatsTest {

    @Test
    void countsPerMtaAndOutcome() {
        CountingStats stats = new CountingStats();
        stats.mailAttempt("primary", Attempt.Outcome.DELIVERED);
        stats.mailAttempt("primary", Attempt.Outcome.DELIVERED);
        stats.mailAttempt("backup", Attempt.Outcome.NOT_DELIVERED);
        stats.mailAttempt("backup", Attempt.Outcome.AMBIGUOUS);

        Map<Attempt.Outcome, Long> backup = new EnumMap<>(Attempt.Outcome.class);
        backup.put(Attempt.Outcome.DELIVERED, 0L);
        backup.put(Attempt.Outcome.NOT_DELIVERED, 1L);
        backup.put(Attempt.Outcome.AMBIGUOUS, 1L);
        Map<Attempt.Outcome, Long> primary = new EnumMap<>(Attempt.Outcome.class);
        primary.put(Attempt.Outcome.DELIVERED, 2L);
        primary.put(Attempt.Outcome.NOT_DELIVERED, 0L);
        primary.put(Attempt.Outcome.AMBIGUOUS, 0L);
        Map<String, Map<Attempt.Outcome, Long>> snap = stats.snapshot().mailAttempts();
        assertEquals(List.of("backup", "primary"), List.copyOf(snap.keySet()));
        assertEquals(Map.of("backup", backup, "primary", primary), snap);
    }

    @Test
    void mailDeliveryReportsEveryMtaAttemptToItsTracker() throws Exception {
        // Nothing listens on either port: both attempts are refused connections, certainly not delivered.
        CountingStats stats = new CountingStats();
        try (MailDelivery d = new MailDelivery(List.of(DeliveryTestSupport.mta("first", FreePorts.next()),
                DeliveryTestSupport.mta("second", FreePorts.next())), null, DeliveryTestSupport.FAST, (Path) null, Map.of(),
                MtaBreaker.Policy.OFF, AttemptLog.NONE, stats)) {
            assertThrows(DeliveryException.class, () -> d.deliver("r1", DeliveryTestSupport.mail("hello")));
        }
        Map<String, Map<Attempt.Outcome, Long>> snap = stats.snapshot().mailAttempts();
        assertEquals(1L, snap.get("first").get(Attempt.Outcome.NOT_DELIVERED));
        assertEquals(1L, snap.get("second").get(Attempt.Outcome.NOT_DELIVERED));
        assertEquals(0L, snap.get("first").get(Attempt.Outcome.DELIVERED));
    }

    @Test
    void aDeliveryWithoutATrackerCountsNowhereElse() throws Exception {
        // Two deliveries with their own trackers never see each other's attempts: nothing is process-wide.
        CountingStats mine = new CountingStats();
        CountingStats other = new CountingStats();
        try (MailDelivery d = new MailDelivery(List.of(DeliveryTestSupport.mta("only", FreePorts.next())), null,
                DeliveryTestSupport.FAST, (Path) null, Map.of(), MtaBreaker.Policy.OFF, AttemptLog.NONE, mine)) {
            assertThrows(DeliveryException.class, () -> d.deliver("r2", DeliveryTestSupport.mail("hello")));
        }
        assertEquals(1L, mine.snapshot().mailAttempts().get("only").get(Attempt.Outcome.NOT_DELIVERED));
        assertEquals(Map.of(), other.snapshot().mailAttempts());
    }
}
