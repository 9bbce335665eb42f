package dev.kiamms.app.geoip;

import dev.kiamms.app.cli.CommandRun;
import dev.kiamms.app.config.Settings;
import dev.kiamms.testing.GeoIpTestData;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeoipUpdateTest {

    private static final String ACCOUNT = "123456";
    private static final String KEY = "s3cret-licence";

    @TempDir
    Path dir;

    private HttpServer server;
    private byte[] cityDb;
    private byte[] archive;
    /** What the .sha256 endpoint serves; null: 404. */
    private volatile String sha256;
    private Path target;
    private byte[] oldDb;

    private record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void serve() throws Exception {
        cityDb = Files.readAllBytes(GeoIpTestData.city(dir.resolve("src")));
        archive = tarGz("GeoLite2-City_20260101/GeoLite2-City.mmdb", cityDb);
        sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive))
                + "  GeoIP2-City_20260101.tar.gz\n";
        // The file in place before the update: another (Country) database.
        target = GeoIpTestData.country(dir.resolve("db"));
        oldDb = Files.readAllBytes(target);

        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String auth = "Basic " + Base64.getEncoder().encodeToString((ACCOUNT + ":" + KEY).getBytes(StandardCharsets.UTF_8));
        server.createContext("/geoip/databases/GeoIP2-City/download", ex -> {
            if (!auth.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 401, "unauthorized".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String q = ex.getRequestURI().getQuery();
            if ("suffix=tar.gz".equals(q)) {
                // As MaxMind does: a redirect to storage on another host, which must not get the credentials.
                ex.getResponseHeaders().add("Location", "http://localhost:" + server.getAddress().getPort()
                        + "/storage/GeoIP2-City_20260101.tar.gz");
                ex.sendResponseHeaders(302, -1);
                ex.close();
            } else if ("suffix=tar.gz.sha256".equals(q) && sha256 != null) {
                send(ex, 200, sha256.getBytes(StandardCharsets.UTF_8));
            } else {
                send(ex, 404, new byte[0]);
            }
        });
        server.createContext("/storage/", ex -> {
            if (ex.getRequestHeaders().containsKey("Authorization")) {
                send(ex, 400, "only one auth mechanism allowed".getBytes(StandardCharsets.UTF_8));
                return;
            }
            send(ex, 200, archive);
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private Path config(String account, String key) throws IOException {
        Path cfg = dir.resolve("kiam-ms.yaml");
        StringBuilder y = new StringBuilder("geoip:\n  path: " + target + "\n  edition: GeoIP2-City\n"
                + "  download_url: http://127.0.0.1:" + server.getAddress().getPort()
                + "/geoip/databases/{edition}/download?suffix=tar.gz\n");
        if (account != null) {
            y.append("  account_id: \"").append(account).append("\"\n");
        }
        if (key != null) {
            y.append("  license_key: ").append(key).append("\n");
        }
        Files.writeString(cfg, y);
        return cfg;
    }

    private Run run(String... args) {
        // The command's output through its writers; System.err only for the log lines, so that a
        // key leaking into the log would be seen too.
        PrintStream err = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            CommandRun r = CommandRun.of(args);
            return new Run(r.exit(), r.out(), r.err() + log.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
        }
    }

    private Run update(Path cfg, String... more) {
        String[] base = {"geoip", "update", "--config", cfg.toString(), "--data", dir.resolve("data").toString()};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return run(all);
    }

    @Test
    void downloadsChecksAndReplacesTheDatabase() throws Exception {
        Run r = update(config(ACCOUNT, KEY));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertArrayEquals(cityDb, Files.readAllBytes(target));
        assertTrue(r.out().contains("GeoIP2-Country built") && r.out().contains("\u2192 GeoIP2-City built"), r.out());
        assertTrue(r.out().contains("SHA-256 checked"), r.out());
        assertTrue(r.out().contains("not running"), r.out());
        assertFalse(r.out().contains(KEY) || r.err().contains(KEY));
        try (var files = Files.list(target.getParent())) {
            assertEquals(1, files.count(), "no temp files left behind");
        }
    }

    @Test
    void jsonAndNoChecksumOffered() throws Exception {
        sha256 = null;
        Run r = update(config(ACCOUNT, KEY), "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("\"newType\" : \"GeoIP2-City\"") && r.out().contains("\"checksumVerified\" : false"), r.out());
        assertArrayEquals(cityDb, Files.readAllBytes(target));
    }

    @Test
    void aWrongChecksumLeavesTheOldFile() throws Exception {
        sha256 = "0".repeat(64) + "  x.tar.gz\n";
        Run r = update(config(ACCOUNT, KEY));
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("SHA-256") && r.err().contains("unchanged"), r.err());
        assertArrayEquals(oldDb, Files.readAllBytes(target));
        try (var files = Files.list(target.getParent())) {
            assertEquals(1, files.count(), "no temp files left behind");
        }
    }

    @Test
    void wrongCredentialsSayWhy() throws Exception {
        Run r = update(config(ACCOUNT, "wrong"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("401") && r.err().contains("credentials"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(r.err().contains("wrong"), "the key is never printed: " + r.err());
        assertArrayEquals(oldDb, Files.readAllBytes(target));
    }

    @Test
    void missingKeysAreNamed() throws Exception {
        Run r = update(config(ACCOUNT, null));
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("geoip.account_id") && r.err().contains("geoip.license_key"), r.err());
        assertArrayEquals(oldDb, Files.readAllBytes(target));
    }

    @Test
    void anotherEditionIsRefused() throws Exception {
        Path cfg = config(ACCOUNT, KEY);
        // The server serves a GeoIP2-City database whatever edition is asked for.
        Files.writeString(cfg, Files.readString(cfg).replace("{edition}", "GeoIP2-City")
                .replace("  edition: GeoIP2-City\n", "  edition: GeoLite2-City\n"));
        Run r = update(cfg);
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("not GeoLite2-City"), r.err());
        assertArrayEquals(oldDb, Files.readAllBytes(target));
    }

    @Test
    void statusReadsTheDatabaseOfTheConfiguration() throws Exception {
        Run r = run("status", "--json", "--config", config(ACCOUNT, KEY).toString(), "--data", dir.resolve("data").toString());
        assertEquals(3, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("\"geoipType\" : \"GeoIP2-Country\"") && r.out().contains("\"geoipStale\" : true"),
                r.out());
        assertFalse(r.out().contains(KEY));
    }

    @Test
    void theLicenceKeyIsNotInToString() {
        Settings.GeoIpSettings s = new Settings.GeoIpSettings("x.mmdb", null, "1", KEY, null, null);
        assertFalse(s.toString().contains(KEY), s.toString());
        assertEquals(35, s.maxAgeDays());
        assertEquals("GeoLite2-City", s.edition());
        assertEquals("https://download.maxmind.com/geoip/databases/GeoLite2-City/download?suffix=tar.gz",
                GeoIpUpdater.downloadUrl(s));
        assertEquals("https://download.maxmind.com/geoip/databases/GeoLite2-City/download?suffix=tar.gz.sha256",
                GeoIpUpdater.checksumUrl(GeoIpUpdater.downloadUrl(s)));
    }

    @Test
    void theTarReaderWantsExactlyOneDatabase() throws Exception {
        Path out = dir.resolve("out.mmdb");
        byte[] none = tarGz("x/README.txt", "hello".getBytes(StandardCharsets.UTF_8));
        assertThrows(IOException.class, () -> TarGz.extractSingle(new ByteArrayInputStream(none), ".mmdb", out));
        // A name longer than 100 characters goes into the ustar prefix.
        String longName = "d".repeat(120) + "/GeoIP2-City.mmdb";
        assertEquals(longName, TarGz.extractSingle(new ByteArrayInputStream(tarGz(longName, cityDb)), ".mmdb", out));
        assertArrayEquals(cityDb, Files.readAllBytes(out));
    }

    /** A tar.gz written by hand: a README first, then the file; ustar headers, padding, two zero blocks. */
    static byte[] tarGz(String name, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            entry(gz, "GeoLite2-City_20260101/COPYRIGHT.txt", "Test data".getBytes(StandardCharsets.UTF_8));
            entry(gz, name, data);
            gz.write(new byte[1024]);
        }
        return bytes.toByteArray();
    }

    private static void entry(OutputStream out, String name, byte[] data) throws IOException {
        byte[] h = new byte[512];
        String prefix = "";
        if (name.length() > 100) {
            int slash = name.lastIndexOf('/');
            prefix = name.substring(0, slash);
            name = name.substring(slash + 1);
        }
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", data.length));
        put(h, 136, String.format("%011o", 0));
        h[156] = '0';
        put(h, 257, "ustar");
        put(h, 263, "00");
        put(h, 345, prefix);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        out.write(h);
        out.write(data);
        out.write(new byte[(512 - data.length % 512) % 512]);
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }
}
