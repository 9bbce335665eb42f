package dev.kiamms.mail.delivery;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The breaker's rules, on a clock the test moves: what opens it, what does not, and the single probe. */
class MtaBreakerTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final MtaBreaker breaker = new MtaBreaker("main", new MtaBreaker.Policy(3, Duration.ofSeconds(30)), now::get);

    @Test
    void threeCertainFailuresInARowOpenItAndASuccessBetweenStartsTheCountAgain() {
        breaker.failedCertainly();
        breaker.failedCertainly();
        breaker.succeeded();
        breaker.failedCertainly();
        breaker.failedCertainly();
        assertEquals(MtaBreaker.Permit.SEND, breaker.tryAcquire());
        assertEquals(2, breaker.state().consecutiveFailures());
        breaker.failedCertainly();
        MtaBreaker.State open = breaker.state();
        assertEquals(MtaBreaker.Phase.OPEN, open.phase());
        assertNotNull(open.openUntil());
        assertEquals(MtaBreaker.Permit.SKIP, breaker.tryAcquire());
    }

    @Test
    void anAmbiguousOutcomeNeitherOpensNorCloses() {
        for (int i = 0; i < 10; i++) {
            breaker.undecided();
        }
        assertEquals(MtaBreaker.Phase.CLOSED, breaker.state().phase());
        assertEquals(0, breaker.state().consecutiveFailures());
    }

    @Test
    void afterTheCoolDownOneMailProbesAndItsOutcomeDecides() {
        for (int i = 0; i < 3; i++) {
            breaker.failedCertainly();
        }
        now.addAndGet(Duration.ofSeconds(30).toNanos() - 1);
        assertEquals(MtaBreaker.Permit.SKIP, breaker.tryAcquire(), "still resting");
        now.addAndGet(1);
        assertEquals(MtaBreaker.Phase.HALF_OPEN, breaker.state().phase());
        assertNull(breaker.state().openUntil());
        assertEquals(MtaBreaker.Permit.PROBE, breaker.tryAcquire());
        assertEquals(MtaBreaker.Permit.SKIP, breaker.tryAcquire(), "only one probe at a time");

        breaker.undecided(); // an ambiguous probe: the next mail probes again
        assertEquals(MtaBreaker.Permit.PROBE, breaker.tryAcquire());
        breaker.failedCertainly(); // a failed probe rests it again at once
        assertEquals(MtaBreaker.Phase.OPEN, breaker.state().phase());
        assertEquals(4, breaker.state().consecutiveFailures());
        assertEquals(MtaBreaker.Permit.SKIP, breaker.tryAcquire());

        now.addAndGet(Duration.ofSeconds(30).toNanos());
        assertEquals(MtaBreaker.Permit.PROBE, breaker.tryAcquire());
        breaker.succeeded();
        assertEquals(MtaBreaker.Phase.CLOSED, breaker.state().phase());
        assertEquals(0, breaker.state().consecutiveFailures());
        assertEquals(MtaBreaker.Permit.SEND, breaker.tryAcquire());
    }

    @Test
    void zeroFailuresNeverOpensIt() {
        MtaBreaker off = new MtaBreaker("main", MtaBreaker.Policy.OFF, now::get);
        for (int i = 0; i < 100; i++) {
            off.failedCertainly();
        }
        assertEquals(MtaBreaker.Phase.CLOSED, off.state().phase());
        assertEquals(100, off.state().consecutiveFailures());
        assertEquals(MtaBreaker.Permit.SEND, off.tryAcquire());
    }

    @Test
    void aPolicyWithoutACoolDownIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MtaBreaker.Policy(3, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new MtaBreaker.Policy(-1, Duration.ofSeconds(1)));
    }
}
