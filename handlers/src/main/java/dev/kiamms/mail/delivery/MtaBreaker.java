package dev.kiamms.mail.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * The circuit breaker of one MTA: after {@code failures} certain failures in a row the MTA is
 * skipped for {@code coolDown}, so that mails go straight to the next MTA instead of waiting for
 * a dead one's time-out each. When the cool-down is over one mail probes it (half-open) while the
 * others still skip it; the probe's success closes the breaker, its failure opens it again.
 * Thread-safe.
 */
public final class MtaBreaker {

    /** When an MTA is skipped: after {@code failures} in a row, for {@code coolDown}. 0 failures: never. */
    public record Policy(int failures, Duration coolDown) {
        /** Never skips an MTA. */
        public static final Policy OFF = new Policy(0, Duration.ZERO);

        public Policy {
            if (failures < 0 || coolDown == null || coolDown.isNegative() || (failures > 0 && coolDown.isZero())) {
                throw new IllegalArgumentException("mail.circuit_breaker: failures must be 0 or more and cool_down_seconds more than 0");
            }
        }
    }

    /** What status shows of one MTA. {@code openUntil} is null unless {@code phase} is OPEN. */
    public record State(String mta, Phase phase, int consecutiveFailures, Instant openUntil) {
    }

    public enum Phase {
        /** Mails are sent to it. */
        CLOSED,
        /** Skipped until {@code openUntil}. */
        OPEN,
        /** The cool-down is over: the next mail (one at a time) probes it. */
        HALF_OPEN
    }

    /** What {@link #tryAcquire()} decided for one mail. */
    enum Permit { SEND, PROBE, SKIP }

    private final String mta;
    private final Policy policy;
    private final LongSupplier nanoClock;
    private int consecutiveFailures; // guarded by this
    private long openUntilNanos; // meaningful while open
    private boolean open;
    private boolean probing;

    MtaBreaker(String mta, Policy policy, LongSupplier nanoClock) {
        this.mta = mta;
        this.policy = policy;
        this.nanoClock = nanoClock;
    }

    /** Whether this mail may try the MTA; a PROBE must be ended with {@link #succeeded} or a failure method. */
    synchronized Permit tryAcquire() {
        if (!open) {
            return Permit.SEND;
        }
        if (probing || nanoClock.getAsLong() - openUntilNanos < 0) {
            return Permit.SKIP;
        }
        probing = true;
        return Permit.PROBE;
    }

    synchronized void succeeded() {
        consecutiveFailures = 0;
        open = false;
        probing = false;
    }

    /** A failure that shows the MTA cannot take mail now (refused, timed out, rejected before the data). */
    synchronized void failedCertainly() {
        consecutiveFailures++;
        if (policy.failures() > 0 && (probing || consecutiveFailures >= policy.failures())) {
            open = true;
            openUntilNanos = nanoClock.getAsLong() + policy.coolDown().toNanos();
        }
        probing = false;
    }

    /** An outcome that says nothing of the MTA's health (ambiguous, or the message could not be built). */
    synchronized void undecided() {
        probing = false;
    }

    synchronized State state() {
        if (!open) {
            return new State(mta, Phase.CLOSED, consecutiveFailures, null);
        }
        long left = openUntilNanos - nanoClock.getAsLong();
        if (left <= 0) {
            return new State(mta, Phase.HALF_OPEN, consecutiveFailures, null);
        }
        return new State(mta, Phase.OPEN, consecutiveFailures, Instant.now().plusNanos(left));
    }
}
