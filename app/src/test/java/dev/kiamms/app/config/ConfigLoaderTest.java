package dev.kiamms.app.config;

import dev.kiamms.app.KiamMsException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private LoadedConfig load(String yaml) throws IOException {
        Path f = dir.resolve("kiam-ms.yaml");
        Files.writeString(f, yaml);
        return new ConfigLoader().load(f, true);
    }

    private KiamMsException fails(String yaml) {
        return assertThrows(KiamMsException.class, () -> load(yaml));
    }

    @Test
    void noFileMeansEmbeddedDefaults() {
        LoadedConfig c = new ConfigLoader().load(dir.resolve("absent.yaml"), false);
        assertNull(c.source());
        Settings s = c.settings();
        assertEquals("127.0.0.1", s.broker().host());
        assertEquals(4222, s.broker().port());
        assertEquals(8222, s.broker().monitorPort());
        assertTrue(s.broker().embedded());
        assertTrue(s.service().action("iplocation").subscribe());
        assertEquals("kiam-ms", s.service().queueGroup());
        assertEquals("", s.geoip().path());
        assertFalse(s.debug());
    }

    @Test
    void aGivenFileMustExist() {
        KiamMsException e = assertThrows(KiamMsException.class, () -> new ConfigLoader().load(dir.resolve("absent.yaml"), true));
        assertEquals(KiamMsException.CONFIG, e.exitCode());
        assertTrue(e.getMessage().contains("absent.yaml") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void aCommentedOutFileIsTheDefaults() throws IOException {
        assertEquals(Settings.defaults(), load("# everything commented out\n# broker:\n#   port: 1\n").settings());
    }

    @Test
    void unknownKeysAreReportedWithTheirLine() {
        KiamMsException e = fails("debug: false\nbroker:\n  host: 127.0.0.1\n  prot: 4223\n");
        assertEquals(KiamMsException.CONFIG, e.exitCode());
        assertTrue(e.getMessage().startsWith(dir.resolve("kiam-ms.yaml") + ":4: broker.prot: unknown key"), e.getMessage());
        assertTrue(e.getMessage().contains("port"), "names the known keys: " + e.getMessage());
    }

    @Test
    void wrongTypesSayWhatIsExpected() {
        KiamMsException e = fails("broker:\n  port: many\n");
        assertTrue(e.getMessage().contains(":2: broker.port: ") && e.getMessage().contains("whole number"),
                e.getMessage());
    }

    @Test
    void outOfRangePortsAreRefused() {
        KiamMsException e = fails("broker:\n  port: 70000\n");
        assertTrue(e.getMessage().contains(":2: broker.port: must be between 1 and 65535, not 70000"), e.getMessage());
    }

    @Test
    void theReferenceServersLayoutLoadsAsIs() throws IOException {
        // The keys and nesting of the reference server's mss.yaml, values of our own.
        Settings s = load("""
                debug: true
                log:
                  path: /var/log/mss
                  airbrake_pid: 12345
                  airbrade_key: some-key
                brokers:
                  - nats://localhost:4222
                service:
                  events:
                    subscribe: true
                  audits:
                    subscribe: false
                  actions:
                    ip_location:
                      subscribe: true
                      engine: geoip
                    send_verify_email:
                      subscribe: false
                mail:
                  subject_prefix: '[IAM]'
                  template_dir: email/template/html
                  preferred_mta: backup
                  mtas:
                    -
                      name: main
                      host: smtp.example.com
                      port: 465
                      ssl: true
                      sender: Example <noreply@example.com>
                      replyto: help <help@example.com>
                      cc:
                        - a <a@example.com>
                      bcc:
                        - b <b@example.com>
                      user: noreply
                      passwd: secret-value
                geoip:
                  path: ./GeoLite2-City.mmdb
                """).settings();
        assertTrue(s.debug());
        assertEquals("/var/log/mss", s.log().path());
        assertEquals(java.util.List.of("nats://localhost:4222"), s.brokers());
        assertFalse(s.service().audits().subscribe());
        assertFalse(s.service().action("sendverifyemail").subscribe());
        assertEquals("[IAM]", s.mail().subjectPrefix());
        assertEquals("backup", s.mail().preferredMta());
        Settings.MtaSettings mta = s.mail().mtas().get(0);
        assertTrue(mta.ssl());
        assertEquals(465, mta.port());
        assertFalse(mta.toString().contains("secret-value"), "the password never shows in toString");
    }

    @Test
    void relativePathsAreRelativeToTheConfigFile() throws IOException {
        LoadedConfig c = load("geoip:\n  path: geo/City.mmdb\n");
        assertEquals(dir.resolve("geo/City.mmdb"), c.resolve(c.settings().geoip().path(), Path.of("/elsewhere")));
        assertEquals(Path.of("/abs/City.mmdb"), c.resolve("/abs/City.mmdb", Path.of("/elsewhere")));
    }

    @Test
    void theShippedConfigurationIsTheDefaultsAndEveryExampleInItLoads() throws IOException {
        Path shipped = Path.of(System.getProperty("kiamms.root"), "conf", "kiam-ms.yaml");
        assertEquals(Settings.defaults(), new ConfigLoader().load(shipped, true).settings(), "as shipped, all commented out");
        // Uncomment every example key ("#key:" and "#  key:"), keep the explanations ("# text", "#  # text").
        StringBuilder uncommented = new StringBuilder();
        for (String line : Files.readAllLines(shipped)) {
            boolean example = line.startsWith("#") && (line.length() > 1 && Character.isLetter(line.charAt(1))
                    || line.startsWith("#  ") && !line.strip().substring(1).strip().startsWith("#"));
            uncommented.append(example ? line.substring(1) : "").append('\n');
        }
        Settings s = load(uncommented.toString()).settings();
        assertEquals("[KrossIAM]", s.mail().subjectPrefix());
        assertEquals("main", s.mail().mtas().get(0).name());
        assertEquals(5, s.service().audits().retry().maxAttempts());
        assertEquals("0.0.0.0:6222", s.broker().cluster().listen());
    }
}
