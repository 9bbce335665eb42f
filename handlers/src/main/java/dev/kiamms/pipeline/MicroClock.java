package dev.kiamms.pipeline;

import java.time.Clock;
import java.time.Instant;

/** The current time in microseconds since the Unix epoch, the protocol's unit. */
@FunctionalInterface
public interface MicroClock {

    long nowMicros();

    static MicroClock system() {
        return of(Clock.systemUTC());
    }

    static MicroClock of(Clock clock) {
        return () -> {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
        };
    }
}
