package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The durations {@code deliveries --since} understands, and the one-line refusal of the others. */
class DeliveriesSinceTest {

    @Test
    void shortAndIsoDurationsAreRead() {
        assertEquals(Duration.ofSeconds(90), DeliveriesCommand.parseDuration("90s"));
        assertEquals(Duration.ofMinutes(15), DeliveriesCommand.parseDuration("15m"));
        assertEquals(Duration.ofHours(2), DeliveriesCommand.parseDuration(" 2H "));
        assertEquals(Duration.ofDays(7), DeliveriesCommand.parseDuration("7d"));
        assertEquals(Duration.ofHours(2), DeliveriesCommand.parseDuration("PT2H"));
    }

    @Test
    void anythingElseIsRefusedWithAnExample() {
        for (String bad : new String[]{"yesterday", "5", "d", "", "-3h", "0m", "P"}) {
            KiamMsException e = assertThrows(KiamMsException.class, () -> DeliveriesCommand.parseDuration(bad), bad);
            assertTrue(e.getMessage().contains("--since '" + bad + "'"), e.getMessage());
            assertEquals(KiamMsException.CONFIG, e.exitCode(), bad);
        }
    }
}
