package dev.kiamms.app.cli;

import dev.kiamms.app.config.YamlTree;
import dev.kiamms.testing.GeoIpTestData;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigCheckAndCompletionTest {

    @TempDir
    Path dir;

    /** Runs a command and returns its exit code and standard output. */
    private record Run(int exit, String out) {
    }

    private static Run run(String... args) {
        CommandRun r = CommandRun.of(args);
        return new Run(r.exit(), r.out());
    }

    @Test
    void aUsableConfigurationPasses() throws Exception {
        Path config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, "geoip:\n  path: " + GeoIpTestData.city(dir) + "\n");
        Run r = run("config", "check", config.toString(), "--data", dir.resolve("data").toString());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("configuration OK"), r.out());
    }

    @Test
    void everyProblemIsNamedWithItsLine() throws Exception {
        Path config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, """
                geoip:
                  path: /nowhere/City.mmdb
                mail:
                  mtas:
                    - name: main
                      host: smtp.example.com
                      port: 587
                      sender: not an address
                """);
        Run r = run("config", "check", config.toString(), "--data", dir.resolve("data").toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.out().contains(config + ":2: geoip.path: GeoIP database /nowhere/City.mmdb"), r.out());
        assertTrue(r.out().contains(config + ":4: mail.mtas: ") && r.out().contains("sender"), r.out());
    }

    @Test
    void aTemplateWrittenForTheReferenceServerIsNamedWithItsLineAndTheFix() throws Exception {
        Path templates = dir.resolve("templates");
        Path shipped = Path.of(System.getProperty("kiamms.root"), "conf", "templates");
        try (java.util.stream.Stream<Path> files = Files.walk(shipped)) {
            for (Path f : files.toList()) {
                Path target = templates.resolve(shipped.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        Path html = templates.resolve("verify-email.html");
        Files.writeString(html, "<html>\n<body>\n<p>Hello {{.Userid}}</p>\n<a href=\"{{.Href}}\">verify</a>\n</body>\n</html>\n");
        Path config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, "mail:\n  template_dir: " + templates + "\n");
        Run r = run("config", "check", config.toString(), "--data", dir.resolve("data").toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.out().contains(html + " line 3: {{.Userid}} is Go-template syntax"), r.out());
        assertTrue(r.out().contains("write {{userid}}"), r.out());
    }

    @Test
    void anUnknownKeyIsReportedWithItsLine() throws Exception {
        Path config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, "broker:\n  port: 4222\n  prot: 1\n");
        Run r = run("config", "check", config.toString(), "--json");
        assertEquals(2, r.exit());
        assertTrue(r.out().contains(":3: broker.prot: unknown key") && r.out().contains("\"ok\" : false"), r.out());
    }

    @Test
    void lineOfFindsAKeyByItsPath() {
        String yaml = "broker:\n  port: 1\nmail:\n  # comment\n  mtas:\n    - name: a\n      port: 2\ngeoip:\n  path: x\n";
        assertEquals(2, YamlTree.lineOf(yaml, "broker.port"));
        assertEquals(5, YamlTree.lineOf(yaml, "mail.mtas"));
        assertEquals(9, YamlTree.lineOf(yaml, "geoip.path"));
        assertEquals(0, YamlTree.lineOf(yaml, "geoip.port"));
        assertEquals(0, YamlTree.lineOf(yaml, "port"), "only top-level keys match a one-part path");
    }

    @Test
    void completionPrintsABashScriptForEveryCommand() {
        Run r = run("completion");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("complete -F") && r.out().contains("send-test") && r.out().contains("dead-letters"), r.out());
    }
}
