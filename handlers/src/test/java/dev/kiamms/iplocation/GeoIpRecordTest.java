package dev.kiamms.iplocation;

import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.Reply;
import dev.kiamms.testing.GeoIpTestData;

import com.fasterxml.jackson.databind.ObjectWriter;

import com.maxmind.db.DatabaseRecord;
import com.maxmind.db.Networks;
import com.maxmind.db.Reader;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.model.CityResponse;
import com.maxmind.geoip2.model.CountryResponse;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The small record the lookup decodes answers exactly what geoip2's whole CityResponse (or
 * CountryResponse) answered, for every network of MaxMind's test databases and several locales.
 */
class GeoIpRecordTest {

    private static final EnvelopeCodec CODEC = new EnvelopeCodec();
    private static final ObjectWriter JACKSON = CODEC.mapper().writerFor(Reply.class);
    private static final List<String> LOCALES = List.of("en", "zh-cn", "de-AT", "pt-br", "ja", "xx", "");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {GeoIpTestData.CITY, GeoIpTestData.COUNTRY})
    void answersWhatGeoip2Answered(String file) throws Exception {
        Path path = GeoIpTestData.copy(file, dir);
        List<InetAddress> addresses = everyNetwork(path);
        assertTrue(addresses.size() > 10, "networks in " + file + ": " + addresses.size());
        try (GeoIpDatabase db = GeoIpDatabase.open(path);
             DatabaseReader geoip2 = new DatabaseReader.Builder(path.toFile()).build()) {
            boolean city = geoip2.metadata().databaseType().contains("City");
            for (InetAddress address : addresses) {
                for (String locale : LOCALES) {
                    Optional<IpLocation> expected = city
                            ? geoip2.tryCity(address).map(r -> fromCity(r, locale))
                            : geoip2.tryCountry(address).map(r -> fromCountry(r, locale));
                    Optional<IpLocation> found = db.locate(address, locale);
                    assertEquals(expected, found, address + " " + locale);
                    // Its reply is written by hand (JsonOut): the same bytes as Jackson's.
                    Reply reply = Reply.ok("req-1", 1_795_000_000_000_000L, found.orElse(IpLocation.UNKNOWN));
                    assertEquals(new String(JACKSON.writeValueAsBytes(reply), StandardCharsets.UTF_8),
                            new String(CODEC.encode(reply), StandardCharsets.UTF_8), address + " " + locale);
                }
            }
        }
    }

    /**
     * Literal answers, not computed the way the code computes them: each value was read from the
     * .mmdb files with libmaxminddb's own tool (Debian's mmdb-bin), e.g.
     * {@code mmdblookup -f GeoIP2-City-Test.mmdb -i 2.125.160.216 city names} (only "en": Boxford,
     * so a German request falls back to English). Coordinates as mmdblookup prints them (6 places).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            GeoIP2-City-Test.mmdb    | 81.2.69.142    | en    | Europe        | United Kingdom         | London    | -0.0931   | 51.5142 | Europe/London
            GeoIP2-City-Test.mmdb    | 81.2.69.142    | zh-cn | 欧洲           | 英国                    | London    | -0.0931   | 51.5142 | Europe/London
            GeoIP2-City-Test.mmdb    | 81.2.69.142    | pt-BR | Europa        | Reino Unido            | Londres   | -0.0931   | 51.5142 | Europe/London
            GeoIP2-City-Test.mmdb    | 2.125.160.216  | de-AT | Europa        | Vereinigtes Königreich | Boxford   | -1.25     | 51.75   | Europe/London
            GeoIP2-City-Test.mmdb    | 89.160.20.112  | en    | Europe        | Sweden                 | Linköping | 15.6167   | 58.4167 | Europe/Stockholm
            GeoIP2-City-Test.mmdb    | 216.160.83.56  | xx    | North America | United States          | Milton    | -122.3149 | 47.2513 | America/Los_Angeles
            GeoIP2-Country-Test.mmdb | 81.2.69.142    | ja    | ヨーロッパ      | イギリス                 | ''        | 0         | 0       | ''
            """)
    void answersWhatTheDatabaseHolds(String file, String ip, String locale, String continent, String country, String city,
                                     double longitude, double latitude, String zone) throws Exception {
        try (GeoIpDatabase db = GeoIpDatabase.open(GeoIpTestData.copy(file, dir))) {
            IpLocation found = db.locate(InetAddress.getByName(ip), locale).orElseThrow();
            assertEquals(continent, found.continent());
            assertEquals(country, found.country());
            assertEquals(city, found.city());
            assertEquals(longitude, found.longitude(), 5e-7);
            assertEquals(latitude, found.latitude(), 5e-7);
            assertEquals(zone, found.timezone());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "2001:4860:4860::8888"})
    void anAddressTheDatabaseDoesNotHoldIsNotFound(String ip) throws Exception {
        // mmdblookup: "Could not find an entry for this IP address"
        try (GeoIpDatabase db = GeoIpDatabase.open(GeoIpTestData.city(dir))) {
            assertEquals(Optional.empty(), db.locate(InetAddress.getByName(ip), "en"));
        }
    }

    /** The mapping GeoIpDatabase made from geoip2's model before it read its own record. */
    private static IpLocation fromCity(CityResponse r, String locale) {
        Double lon = r.location().longitude();
        Double lat = r.location().latitude();
        String zone = r.location().timeZone();
        return new IpLocation(LocalizedNames.pick(r.continent().names(), locale),
                LocalizedNames.pick(r.country().names(), locale), LocalizedNames.pick(r.city().names(), locale),
                lon == null ? 0.0 : lon, lat == null ? 0.0 : lat, zone == null ? "" : zone);
    }

    private static IpLocation fromCountry(CountryResponse r, String locale) {
        return new IpLocation(LocalizedNames.pick(r.continent().names(), locale),
                LocalizedNames.pick(r.country().names(), locale), "", 0.0, 0.0, "");
    }

    @SuppressWarnings("rawtypes")
    private static List<InetAddress> everyNetwork(Path path) throws Exception {
        List<InetAddress> out = new ArrayList<>();
        try (Reader reader = new Reader(path.toFile())) {
            Networks<Map> networks = reader.networks(Map.class);
            while (networks.hasNext()) {
                DatabaseRecord<Map> record = networks.next();
                out.add(record.network().networkAddress());
            }
        }
        return out;
    }
}
