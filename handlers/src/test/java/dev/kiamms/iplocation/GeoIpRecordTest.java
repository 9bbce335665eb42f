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
