package dev.kiamms.iplocation;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Metadata;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.CityResponse;
import com.maxmind.geoip2.model.CountryResponse;
import com.maxmind.geoip2.record.Continent;
import com.maxmind.geoip2.record.Country;
import com.maxmind.geoip2.record.Location;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * A MaxMind database (.mmdb, City or Country edition), opened once, memory-mapped and with a
 * decoded-node cache, and shared by every request thread.
 */
public final class GeoIpDatabase implements Closeable {

    private final Path path;
    private final DatabaseReader reader;
    private final boolean hasCities;

    private GeoIpDatabase(Path path, DatabaseReader reader) {
        this.path = path;
        this.reader = reader;
        this.hasCities = reader.metadata().databaseType().contains("City")
                || reader.metadata().databaseType().contains("Enterprise");
    }

    /** @throws IOException with a message naming the file and the problem */
    public static GeoIpDatabase open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("GeoIP database " + path + " does not exist or is not a file; fix geoip.path");
        }
        if (!Files.isReadable(path)) {
            throw new IOException("GeoIP database " + path + " is not readable by this user; fix its permissions");
        }
        try {
            DatabaseReader reader = new DatabaseReader.Builder(path.toFile()).withCache(new CHMCache()).build();
            String type = reader.metadata().databaseType();
            if (!type.contains("City") && !type.contains("Country") && !type.contains("Enterprise")) {
                reader.close();
                throw new IOException("GeoIP database " + path + " is a " + type
                        + " database; iplocation needs a City or Country database");
            }
            return new GeoIpDatabase(path, reader);
        } catch (IOException | RuntimeException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("GeoIP database")) {
                throw e;
            }
            throw new IOException("GeoIP database " + path + " cannot be read as a MaxMind database: " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    public String type() {
        return reader.metadata().databaseType();
    }

    public Instant buildTime() {
        Metadata m = reader.metadata();
        return m.buildTime();
    }

    /** @return the location, or empty when the database has no entry for the address */
    public Optional<IpLocation> locate(InetAddress address, String locale) throws IOException {
        try {
            if (hasCities) {
                Optional<CityResponse> found = reader.tryCity(address);
                return found.map(r -> toLocation(r.continent(), r.country(), LocalizedNames.pick(r.city().names(), locale),
                        r.location(), locale));
            }
            Optional<CountryResponse> found = reader.tryCountry(address);
            return found.map(r -> toLocation(r.continent(), r.country(), "", null, locale));
        } catch (GeoIp2Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static IpLocation toLocation(Continent continent, Country country, String city, Location location,
                                         String locale) {
        Double lon = location == null ? null : location.longitude();
        Double lat = location == null ? null : location.latitude();
        String zone = location == null ? null : location.timeZone();
        return new IpLocation(
                continent == null ? "" : LocalizedNames.pick(continent.names(), locale),
                country == null ? "" : LocalizedNames.pick(country.names(), locale),
                city,
                lon == null ? 0.0 : lon,
                lat == null ? 0.0 : lat,
                zone == null ? "" : zone);
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
