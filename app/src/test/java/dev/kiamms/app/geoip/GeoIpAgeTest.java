package dev.kiamms.app.geoip;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeoIpAgeTest {

    private static final Instant BUILT = Instant.parse("2026-11-01T10:00:00Z");

    @Test
    void aFreshDatabaseSaysItsTypeDateAndAge() {
        GeoIpAge a = GeoIpAge.of("GeoLite2-City", BUILT, Instant.parse("2026-11-23T12:00:00Z"), 35);
        assertEquals(22, a.ageDays());
        assertFalse(a.stale());
        assertEquals("GeoLite2-City, built 2026-11-01 (22 days old)", a.describe());
    }

    @Test
    void anOldDatabaseIsStale() {
        GeoIpAge a = GeoIpAge.of("GeoLite2-City", BUILT, Instant.parse("2026-12-07T10:00:00Z"), 35);
        assertEquals(36, a.ageDays());
        assertTrue(a.stale());
        assertEquals("GeoLite2-City, built 2026-11-01 (36 days old) \u2014 OLDER THAN 35 days: run 'kiam-ms geoip update'",
                a.describe());
    }

    @Test
    void exactlyTheLimitIsNotStaleAndZeroNeverWarns() {
        assertFalse(GeoIpAge.of("X", BUILT, BUILT.plusSeconds(35 * 86400L), 35).stale());
        assertFalse(GeoIpAge.of("X", BUILT, BUILT.plusSeconds(3650 * 86400L), 0).stale());
    }

    @Test
    void oneDayAndAClockBehindTheBuild() {
        assertEquals("X, built 2026-11-01 (1 day old)", GeoIpAge.of("X", BUILT, BUILT.plusSeconds(86400), 35).describe());
        assertEquals(0, GeoIpAge.of("X", BUILT, BUILT.minusSeconds(3600), 35).ageDays());
    }
}
