package dev.kiamms.app.cli;

import dev.kiamms.app.service.NatsServerRecord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kiam-ms version} names the nats-server the build runs, as {@code scripts/fetch-nats-server}
 * recorded it: in the build, the record next to {@code NATS_SERVER_BIN} (the build's
 * {@code .cache/nats-server}), which the distribution ships as {@code NATS-SERVER.txt}.
 */
class VersionCommandTest {

    @Test
    void versionNamesTheRecordedBrokerWithItsSha256() throws Exception {
        String json = run("version", "--json");
        JsonNode v = new ObjectMapper().readTree(json);
        Path binary = Path.of(System.getenv("NATS_SERVER_BIN"));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(binary)));
        assertEquals(sha, v.path("natsServerSha256").asText(), json);
        assertTrue(v.path("natsServerOrigin").asText().length() > 0, json);
        // Below the minimum only when the build was told so (KIAM_NATS_ALLOW_OLD=1), and the record says it.
        String record = Files.readString(binary.resolveSibling("nats-server.txt"));
        assertTrue(atLeast(v.path("natsServerVersion").asText(), minimumVersion())
                || record.contains("\nnote: below the minimum"), json);

        String text = run("version");
        assertTrue(text.contains("\nnats-server: v" + v.path("natsServerVersion").asText() + " (")
                && text.contains("\nnats-server sha256 " + sha + "\n"), text);
    }

    @Test
    void readsTheRecordAndTheOneLineRecordOfTheEarlierRelease() {
        NatsServerRecord now = NatsServerRecord.parse("nats-server: v2.15.1\nversion: 2.15.1\nsha256: ab12\n"
                + "origin: Debian unstable (sid) package nats-server 2.15.1-1\n");
        assertEquals(new NatsServerRecord("2.15.1", "ab12", "Debian unstable (sid) package nats-server 2.15.1-1", ""), now);
        assertEquals("nats-server: v2.15.1 (Debian unstable (sid) package nats-server 2.15.1-1)", now.line());

        NatsServerRecord before = NatsServerRecord.parse("nats-server: v2.9.10 (Debian package nats-server 2.9.10-1+b3)\n");
        assertEquals(new NatsServerRecord("2.9.10", "", "Debian package nats-server 2.9.10-1+b3", ""), before);
    }

    /** The first line of scripts/nats-server.min-version that is not a comment. */
    private static String minimumVersion() throws Exception {
        return Files.readAllLines(Path.of(System.getProperty("kiamms.root"), "scripts", "nats-server.min-version")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst().orElseThrow();
    }

    private static boolean atLeast(String version, String minimum) {
        String[] a = version.split("\\.");
        String[] b = minimum.split("\\.");
        for (int i = 0; i < 3; i++) {
            int c = Integer.compare(Integer.parseInt(a[i].replaceAll("\\D.*", "")), Integer.parseInt(b[i]));
            if (c != 0) {
                return c > 0;
            }
        }
        return true;
    }

    private static String run(String... args) {
        CommandRun r = CommandRun.of(args);
        assertEquals(0, r.exit(), r.text());
        return r.out();
    }
}
