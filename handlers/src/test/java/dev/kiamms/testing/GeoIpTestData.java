package dev.kiamms.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * MaxMind's published test databases (see {@code geoip/README.md} beside them for licence and
 * the addresses they hold), copied out of the classpath into a directory, because the reader
 * memory-maps a file and the resources may sit inside the test-jar.
 */
public final class GeoIpTestData {

    /** GeoIP2-City format: continent, country, city, coordinates, time zone. */
    public static final String CITY = "GeoIP2-City-Test.mmdb";
    /** GeoIP2-Country format: continent and country only. */
    public static final String COUNTRY = "GeoIP2-Country-Test.mmdb";

    private static final String RESOURCE_DIR = "/geoip/";

    private GeoIpTestData() {
    }

    /** Copies the City test database into {@code dir} (e.g. a JUnit {@code @TempDir}) and returns its path. */
    public static Path city(Path dir) throws IOException {
        return copy(CITY, dir);
    }

    public static Path country(Path dir) throws IOException {
        return copy(COUNTRY, dir);
    }

    public static Path copy(String name, Path dir) throws IOException {
        Path target = dir.resolve(name);
        try (InputStream in = GeoIpTestData.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IOException("test resource " + RESOURCE_DIR + name + " not on the classpath");
            }
            Files.createDirectories(dir);
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }
}
