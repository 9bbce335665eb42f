package dev.kiamms.app.geoip;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.config.Settings;
import dev.kiamms.files.OwnerOnlyFiles;
import dev.kiamms.iplocation.GeoIpDatabase;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Downloads a MaxMind database edition (tar.gz, HTTP Basic auth with the account id and licence
 * key), checks its SHA-256 when the server offers one, takes the single .mmdb out, checks that it
 * opens and is of the configured edition, and puts it over the configured file in one atomic
 * rename, so that a running appliance never sees half a database.
 */
public final class GeoIpUpdater {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Settings.GeoIpSettings settings;
    private final Path target;
    private final HttpClient http;

    /** What was there and what is there now; {@code oldType} is null when there was no usable file. */
    public record Result(Path file, String oldType, Instant oldBuilt, String newType, Instant newBuilt,
                         boolean checksumVerified, String url) {
    }

    /** @param target the resolved geoip.path */
    public GeoIpUpdater(Settings.GeoIpSettings settings, Path target) {
        this.settings = settings;
        this.target = target;
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER) // followed by send(), without the credentials off-host
                .connectTimeout(TIMEOUT)
                .build();
    }

    /** The download URL with {edition} filled in. */
    public static String downloadUrl(Settings.GeoIpSettings s) {
        return s.downloadUrl().replace("{edition}", URLEncoder.encode(s.edition(), StandardCharsets.UTF_8));
    }

    /** MaxMind's checksum: the same URL with {@code suffix=tar.gz.sha256}. */
    public static String checksumUrl(String url) {
        return url.contains("suffix=tar.gz") ? url.replace("suffix=tar.gz", "suffix=tar.gz.sha256") : url + ".sha256";
    }

    /** @throws KiamMsException with one line saying what went wrong; the configured file is then untouched */
    public Result update() {
        if (settings.accountId().isEmpty() || settings.licenseKey().isEmpty()) {
            throw new KiamMsException(KiamMsException.CONFIG, "geoip update needs geoip.account_id and geoip.license_key "
                    + "(your MaxMind account id and licence key) in the configuration");
        }
        if (settings.path().isEmpty()) {
            throw new KiamMsException(KiamMsException.CONFIG, "geoip update needs geoip.path: where the database goes");
        }
        String url = downloadUrl(settings);
        String auth = "Basic " + Base64.getEncoder().encodeToString(
                (settings.accountId() + ":" + settings.licenseKey()).getBytes(StandardCharsets.UTF_8));

        String oldType = null;
        Instant oldBuilt = null;
        if (Files.isRegularFile(target)) {
            try (GeoIpDatabase old = GeoIpDatabase.open(target)) {
                oldType = old.type();
                oldBuilt = old.buildTime();
            } catch (IOException e) {
                // Unusable: replaced all the same.
            }
        }

        Path dir = target.toAbsolutePath().getParent();
        Path archive = null;
        Path fresh = null;
        try {
            Files.createDirectories(dir);
            String expected = fetchChecksum(checksumUrl(url), auth);
            archive = OwnerOnlyFiles.createTemp(dir, ".geoip-download-", ".tar.gz");
            String actual = download(url, auth, archive);
            if (expected != null && !expected.equalsIgnoreCase(actual)) {
                throw new KiamMsException(KiamMsException.FAILURE, "the download from " + redact(url)
                        + " does not match its SHA-256 (expected " + expected + ", got " + actual
                        + "); " + target + " is unchanged");
            }
            fresh = OwnerOnlyFiles.createTemp(dir, ".geoip-", ".mmdb.tmp");
            try (InputStream in = Files.newInputStream(archive)) {
                TarGz.extractSingle(in, ".mmdb", fresh);
            } catch (IOException e) {
                throw new KiamMsException(KiamMsException.FAILURE, "the download from " + redact(url)
                        + " is not a usable tar.gz: " + e.getMessage() + "; " + target + " is unchanged", e);
            }
            String newType;
            Instant newBuilt;
            try (GeoIpDatabase db = GeoIpDatabase.open(fresh)) {
                newType = db.type();
                newBuilt = db.buildTime();
            } catch (IOException e) {
                throw new KiamMsException(KiamMsException.FAILURE, "the downloaded database does not open: "
                        + e.getMessage() + "; " + target + " is unchanged", e);
            }
            if (!newType.equals(settings.edition())) {
                throw new KiamMsException(KiamMsException.FAILURE, "the downloaded database is a " + newType
                        + " database, not " + settings.edition() + " (geoip.edition); " + target + " is unchanged");
            }
            try {
                // The one file not owner-only: the database holds no secret, and the service user
                // must read it when root ran the update.
                Files.setPosixFilePermissions(fresh, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system: keep what it gives.
            }
            try {
                OwnerOnlyFiles.replace(fresh, target);
            } catch (AtomicMoveNotSupportedException e) {
                throw new KiamMsException(KiamMsException.FAILURE, "cannot replace " + target + " atomically: "
                        + e.getMessage());
            }
            fresh = null;
            return new Result(target, oldType, oldBuilt, newType, newBuilt, expected != null, redact(url));
        } catch (IOException e) {
            throw new KiamMsException(KiamMsException.FAILURE, "geoip update failed: " + e.getMessage()
                    + "; " + target + " is unchanged", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KiamMsException(KiamMsException.FAILURE, "geoip update interrupted; " + target + " is unchanged");
        } finally {
            deleteQuietly(archive);
            deleteQuietly(fresh);
        }
    }

    /** @return the SHA-256 in hex, or null when the server offers none */
    private String fetchChecksum(String url, String auth) throws IOException, InterruptedException {
        HttpResponse<String> r = send(url, auth, HttpResponse.BodyHandlers.ofString());
        checkAuth(r.statusCode(), url);
        if (r.statusCode() != 200) {
            return null;
        }
        String first = r.body().strip().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        if (!first.matches("[0-9a-f]{64}")) {
            throw new IOException("the checksum from " + redact(url) + " is not a SHA-256");
        }
        return first;
    }

    /** Streams the archive to {@code file}; @return its SHA-256 in hex */
    private String download(String url, String auth, Path file) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = send(url, auth, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = r.body()) {
            checkAuth(r.statusCode(), url);
            if (r.statusCode() != 200) {
                throw new IOException("HTTP " + r.statusCode() + " from " + redact(url)
                        + (r.statusCode() == 404 ? " (is geoip.edition '" + settings.edition() + "' right?)" : ""));
            }
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            // Into the owner-only file as it is (a copy replacing it would recreate it with the umask's mode).
            try (InputStream in = new DigestInputStream(body, sha); java.io.OutputStream out = Files.newOutputStream(file)) {
                in.transferTo(out);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Follows up to 5 redirects; the credentials go only to the host they were meant for (MaxMind
     * redirects to presigned storage URLs, which refuse a second kind of authentication).
     */
    private <T> HttpResponse<T> send(String url, String auth, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        URI uri = URI.create(url);
        String host = uri.getHost();
        for (int hop = 0; ; hop++) {
            boolean sameHost = host != null && host.equalsIgnoreCase(uri.getHost());
            HttpResponse<T> r = http.send(request(uri, sameHost ? auth : null), handler);
            int status = r.statusCode();
            if (status < 300 || status >= 400 || status == 304) {
                return r;
            }
            String location = r.headers().firstValue("Location").orElse(null);
            if (r.body() instanceof InputStream in) {
                in.close();
            }
            if (location == null || hop >= 5) {
                throw new IOException("HTTP " + status + " from " + redact(uri.toString())
                        + (location == null ? " without a Location" : ": too many redirects"));
            }
            uri = uri.resolve(location);
        }
    }

    private static void checkAuth(int status, String url) {
        if (status == 401 || status == 403) {
            throw new KiamMsException(KiamMsException.FAILURE, "HTTP " + status + " from " + redact(url)
                    + ": MaxMind refused the credentials; check geoip.account_id and geoip.license_key");
        }
    }

    private static HttpRequest request(URI uri, String auth) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(TIMEOUT)
                .header("User-Agent", "kiam-ms geoip update")
                .GET();
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return b.build();
    }

    /** The URL without any query credentials (MaxMind's legacy URLs carried license_key=...). */
    static String redact(String url) {
        return url.replaceAll("(?i)(license_key=)[^&]*", "$1***");
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // A leftover temp file beside the database; harmless.
            }
        }
    }
}
