package dev.kiamms.iplocation;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Reader;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * A MaxMind database (.mmdb, City or Country edition), opened once, memory-mapped and with a
 * decoded-node cache, and shared by every request thread. Read with MaxMind's own low-level
 * reader (maxmind-db, which geoip2 brings) into {@link GeoIpRecord}, so that a lookup decodes
 * only what the reply needs. The latest 4096 answers are kept ({@link RecentLocations}), since
 * logins come from the same addresses again.
 */
public final class GeoIpDatabase implements Closeable {

    /** Slots of the answer cache: 4096 answers of about 100 bytes each at most. */
    static final int RECENT = 4096;

    private final Path path;
    private final Reader reader;
    private final RecentLocations recent;

    private GeoIpDatabase(Path path, Reader reader, int recentSlots) {
        this.path = path;
        this.reader = reader;
        this.recent = new RecentLocations(recentSlots);
    }

    /** @throws IOException with a message naming the file and the problem */
    public static GeoIpDatabase open(Path path) throws IOException {
        return open(path, RECENT);
    }

    /** As {@link #open(Path)}, remembering at most {@code recentSlots} answers (a power of two). */
    static GeoIpDatabase open(Path path, int recentSlots) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("GeoIP database " + path + " does not exist or is not a file; fix geoip.path");
        }
        if (!Files.isReadable(path)) {
            throw new IOException("GeoIP database " + path + " is not readable by this user; fix its permissions");
        }
        try {
            Reader reader = new Reader(path.toFile(), new CHMCache());
            String type = reader.getMetadata().databaseType();
            if (!type.contains("City") && !type.contains("Country") && !type.contains("Enterprise")) {
                reader.close();
                throw new IOException("GeoIP database " + path + " is a " + type
                        + " database; iplocation needs a City or Country database");
            }
            return new GeoIpDatabase(path, reader, recentSlots);
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
        return reader.getMetadata().databaseType();
    }

    public Instant buildTime() {
        return reader.getMetadata().buildTime();
    }

    /** @return the location, or empty when the database has no entry for the address */
    public Optional<IpLocation> locate(InetAddress address, String locale) throws IOException {
        String lang = locale == null ? "" : locale;
        IpLocation known = recent.get(address, lang);
        if (known == null) {
            GeoIpRecord found = reader.get(address, GeoIpRecord.class);
            known = found == null ? IpLocation.UNKNOWN : toLocation(found, lang);
            recent.put(address, lang, known);
        }
        // By identity: a found place is always a new object, even one with empty names.
        return known == IpLocation.UNKNOWN ? Optional.empty() : Optional.of(known);
    }

    private static IpLocation toLocation(GeoIpRecord r, String locale) {
        GeoIpRecord.Location location = r.location();
        Double lon = location == null ? null : location.longitude();
        Double lat = location == null ? null : location.latitude();
        String zone = location == null ? null : location.timeZone();
        return new IpLocation(
                name(r.continent(), locale),
                name(r.country(), locale),
                name(r.city(), locale),
                lon == null ? 0.0 : lon,
                lat == null ? 0.0 : lat,
                zone == null ? "" : zone);
    }

    private static String name(GeoIpRecord.Named place, String locale) {
        return place == null ? "" : LocalizedNames.pick(place.names(), locale);
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
