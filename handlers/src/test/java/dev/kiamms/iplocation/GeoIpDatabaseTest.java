package dev.kiamms.iplocation;

import dev.kiamms.testing.GeoIpTestData;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reader over MaxMind's real test databases (see src/test/resources/geoip/README.md). */
class GeoIpDatabaseTest {

    @TempDir
    static Path dir;
    private static GeoIpDatabase city;
    private static GeoIpDatabase country;

    @BeforeAll
    static void open() throws IOException {
        city = GeoIpDatabase.open(GeoIpTestData.city(dir));
        country = GeoIpDatabase.open(GeoIpTestData.country(dir));
    }

    @AfterAll
    static void close() throws IOException {
        city.close();
        country.close();
    }

    private static InetAddress ip(String literal) throws IOException {
        return InetAddress.getByName(literal);
    }

    @Test
    void knowsWhatItOpened() {
        assertEquals("GeoIP2-City", city.type());
        assertEquals("GeoIP2-Country", country.type());
        assertEquals(dir.resolve(GeoIpTestData.CITY), city.path());
        assertTrue(city.buildTime().toEpochMilli() > 0);
    }

    @Test
    void cityDatabaseGivesTheWholePlace() throws IOException {
        IpLocation london = city.locate(ip("81.2.69.142"), "en").orElseThrow();
        assertEquals(new IpLocation("Europe", "United Kingdom", "London", -0.0931, 51.5142, "Europe/London"), london);
    }

    @Test
    void countryDatabaseGivesNoCityNorCoordinates() throws IOException {
        IpLocation uk = country.locate(ip("81.2.69.142"), "en").orElseThrow();
        assertEquals(new IpLocation("Europe", "United Kingdom", "", 0.0, 0.0, ""), uk);
        assertEquals("瑞典", country.locate(ip("89.160.20.112"), "zh-cn").orElseThrow().country());
    }

    @Test
    void rememberedAnswersKeepToTheirAddressAndLocale() throws IOException {
        // One slot: every pair below takes it over from the one before, so a remembered answer
        // is given only to the very address and locale it was found for.
        try (GeoIpDatabase oneSlot = GeoIpDatabase.open(GeoIpTestData.city(dir), 1)) {
            for (int round = 0; round < 2; round++) {
                assertEquals("Sweden", oneSlot.locate(ip("89.160.20.112"), "en").orElseThrow().country());
                assertEquals("瑞典", oneSlot.locate(ip("89.160.20.112"), "zh-cn").orElseThrow().country());
                assertEquals(Optional.empty(), oneSlot.locate(ip("8.8.8.8"), "zh-cn"));
                assertEquals("United Kingdom", oneSlot.locate(ip("81.2.69.142"), null).orElseThrow().country());
            }
        }
        // With room, the second question is answered from memory: the same answer, not decoded again.
        IpLocation first = city.locate(ip("2.125.160.216"), "en").orElseThrow();
        assertSame(first, city.locate(ip("2.125.160.216"), "en").orElseThrow());
        assertEquals(Optional.empty(), city.locate(ip("8.8.4.4"), "en"));
        assertEquals(Optional.empty(), city.locate(ip("8.8.4.4"), "en"));
    }

    @Test
    void addressNotInTheDatabaseIsEmpty() throws IOException {
        assertEquals(Optional.empty(), city.locate(ip("8.8.8.8"), "en"));
        assertEquals(Optional.empty(), country.locate(ip("8.8.8.8"), "en"));
    }

    @Test
    void aFileThatIsNotAMaxMindDatabaseIsNamedInTheError() throws IOException {
        Path bogus = Files.writeString(dir.resolve("not-a-database.mmdb"), "this is not an mmdb file\n".repeat(100));
        IOException e = assertThrows(IOException.class, () -> GeoIpDatabase.open(bogus));
        assertTrue(e.getMessage().contains(bogus.toString()), e.getMessage());
    }

    @Test
    void aMissingFileIsNamedInTheError() {
        Path missing = dir.resolve("nowhere.mmdb");
        IOException e = assertThrows(IOException.class, () -> GeoIpDatabase.open(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
