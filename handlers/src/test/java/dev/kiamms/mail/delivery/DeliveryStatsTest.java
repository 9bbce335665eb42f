package dev.kiamms.mail.delivery;

import dev.kiamms.testing.FreePorts;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Attempt counters per MTA and outcome, and that MailDelivery counts its attempts there. */
class DeliveryStatsTest {

    @Test
    void countsPerMtaAndOutcome() {
        DeliveryStats stats = new DeliveryStats();
        stats.record(new Attempt("primary", Attempt.Outcome.DELIVERED, "x"));
        stats.record(new Attempt("primary", Attempt.Outcome.DELIVERED, "x"));
        stats.record("backup", Attempt.Outcome.NOT_DELIVERED);
        stats.record("backup", Attempt.Outcome.AMBIGUOUS);

        assertEquals(2, stats.count("primary", Attempt.Outcome.DELIVERED));
        assertEquals(0, stats.count("primary", Attempt.Outcome.AMBIGUOUS));
        assertEquals(0, stats.count("never-tried", Attempt.Outcome.DELIVERED));

        Map<Attempt.Outcome, Long> backup = new EnumMap<>(Attempt.Outcome.class);
        backup.put(Attempt.Outcome.DELIVERED, 0L);
        backup.put(Attempt.Outcome.NOT_DELIVERED, 1L);
        backup.put(Attempt.Outcome.AMBIGUOUS, 1L);
        Map<Attempt.Outcome, Long> primary = new EnumMap<>(Attempt.Outcome.class);
        primary.put(Attempt.Outcome.DELIVERED, 2L);
        primary.put(Attempt.Outcome.NOT_DELIVERED, 0L);
        primary.put(Attempt.Outcome.AMBIGUOUS, 0L);
        Map<String, Map<Attempt.Outcome, Long>> snap = stats.snapshot();
        assertEquals(List.of("backup", "primary"), List.copyOf(snap.keySet()));
        assertEquals(Map.of("backup", backup, "primary", primary), snap);
    }

    @Test
    void mailDeliveryCountsEveryMtaAttempt() throws Exception {
        // Nothing listens on either port: both attempts are refused connections, certainly not delivered.
        String first = "stats-first-" + System.nanoTime();
        String second = "stats-second-" + System.nanoTime();
        DeliveryStats stats = DeliveryStats.process();
        try (MailDelivery d = new MailDelivery(List.of(DeliveryTestSupport.mta(first, FreePorts.next()),
                DeliveryTestSupport.mta(second, FreePorts.next())), null, DeliveryTestSupport.FAST, (Path) null)) {
            assertThrows(DeliveryException.class, () -> d.deliver("r1", DeliveryTestSupport.mail("hello")));
        }
        assertEquals(1, stats.count(first, Attempt.Outcome.NOT_DELIVERED));
        assertEquals(1, stats.count(second, Attempt.Outcome.NOT_DELIVERED));
        assertEquals(0, stats.count(first, Attempt.Outcome.DELIVERED));
    }
}
