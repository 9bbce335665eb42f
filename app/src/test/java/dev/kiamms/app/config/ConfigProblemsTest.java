package dev.kiamms.app.config;

import dev.kiamms.app.KiamMsException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loader reports every problem of a file at once, each at the line of its key, in file order. */
class ConfigProblemsTest {

    @TempDir
    Path dir;

    private ConfigLoader.Outcome read(String yaml) throws IOException {
        Path f = dir.resolve("kiam-ms.yaml");
        Files.writeString(f, yaml);
        return new ConfigLoader().read(f, true);
    }

    private String file() {
        return dir.resolve("kiam-ms.yaml").toString();
    }

    @Test
    void everyProblemOfAFileIsListedInFileOrder() throws IOException {
        ConfigLoader.Outcome o = read("""
                debug: false
                log:
                  colour: blue
                broker:
                  port: 70000
                  jetstream:
                    sync_interval: sometimes
                geoip:
                  path: a.mmdb
                  path: b.mmdb
                health:
                  port: 8223
                """);
        List<String> lines = o.lines();
        lines.forEach(System.out::println);
        assertNull(o.config());
        assertEquals(4, lines.size(), "four problems: " + lines);
        assertTrue(lines.get(0).startsWith(file() + ":3: log.colour: unknown key"), lines.get(0));
        assertEquals(file() + ":5: broker.port: must be between 1 and 65535, not 70000", lines.get(1));
        assertTrue(lines.get(2).startsWith(file() + ":7: broker.jetstream.sync_interval: "), lines.get(2));
        assertTrue(lines.get(2).contains("sometimes"), lines.get(2));
        assertEquals(file() + ":10: geoip.path: duplicate key (first written at line 9); keep one of them", lines.get(3));
    }

    @Test
    void loadThrowsTheSameListOneProblemALine() throws IOException {
        Files.writeString(dir.resolve("kiam-ms.yaml"), "broker:\n  port: many\nmail:\n  timeouts:\n    read: 0\n");
        KiamMsException e = assertThrows(KiamMsException.class, () -> new ConfigLoader().load(dir.resolve("kiam-ms.yaml"), true));
        assertEquals(KiamMsException.CONFIG, e.exitCode());
        List<String> lines = e.getMessage().lines().toList();
        assertEquals(2, lines.size(), e.getMessage());
        assertTrue(lines.get(0).startsWith(file() + ":2: broker.port: ") && lines.get(0).contains("whole number"), lines.get(0));
        assertTrue(lines.get(1).startsWith(file() + ":5: mail.timeouts.read: "), lines.get(1));
    }

    @Test
    void aDuplicateKeyIsRefusedAtAnyDepth() throws IOException {
        ConfigLoader.Outcome top = read("debug: true\ndebug: false\n");
        assertEquals(List.of(file() + ":2: debug: duplicate key (first written at line 1); keep one of them"), top.lines());

        ConfigLoader.Outcome deep = read("""
                mail:
                  mtas:
                    - name: main
                      host: a.example.com
                      host: b.example.com
                """);
        assertEquals(1, deep.problems().size(), deep.lines().toString());
        assertTrue(deep.lines().get(0).startsWith(file() + ":5: mail.mtas[0].host: duplicate key"), deep.lines().get(0));
    }

    @Test
    void aSyntaxErrorSaysWhatAndWhereWithLineAndColumn() throws IOException {
        ConfigLoader.Outcome o = read("broker:\n  port: 4222\n   host: x\n");
        assertEquals(1, o.problems().size(), o.lines().toString());
        ConfigProblem p = o.problems().get(0);
        System.out.println(p.describe());
        assertEquals(3, p.line(), p.describe());
        assertTrue(p.column() > 0, p.describe());
        assertTrue(p.describe().startsWith(file() + ":3:" + p.column() + ": YAML syntax error: mapping values are not allowed here"),
                p.describe());
    }

    @Test
    void anUnclosedQuoteIsASyntaxErrorWithItsPlace() throws IOException {
        ConfigLoader.Outcome o = read("mail:\n  subject_prefix: '[IAM]\n  template_dir: x\n");
        assertEquals(1, o.problems().size(), o.lines().toString());
        String line = o.lines().get(0);
        System.out.println(line);
        assertTrue(line.matches(".*kiam-ms\\.yaml:\\d+:\\d+: YAML syntax error: .*"), line);
        assertTrue(line.contains("quoted scalar"), line);
    }

    @Test
    void aSectionGivenAsAValueAndAListGivenAsAValueAreNamed() throws IOException {
        ConfigLoader.Outcome o = read("broker: 4222\nbrokers: nats://x:4222\n");
        assertEquals(List.of(file() + ":1: broker: must be a section of keys, not a single value",
                file() + ":2: brokers: must be a list (lines starting with '- ')"), o.lines());
    }

    @Test
    void aRefusedValueInAListItemPointsAtItsKey() throws IOException {
        ConfigLoader.Outcome o = read("""
                mail:
                  mtas:
                    - name: a
                      port: 25
                    - name: b
                      port: 0
                """);
        assertEquals(1, o.problems().size(), o.lines().toString());
        assertTrue(o.lines().get(0).startsWith(file() + ":6: mail.mtas[1].port: "), o.lines().get(0));
    }

    @Test
    void aGoodFileHasNoProblemsAndTheAliasesStillWork() throws IOException {
        ConfigLoader.Outcome o = read("""
                broker:
                  port: 4333
                service:
                  actions:
                    iplocation:
                      subscribe: false
                mail:
                  mtas:
                    - name: main
                      host: smtp.example.com
                      sslmode: true
                """);
        assertTrue(o.ok(), o.lines().toString());
        Settings s = o.config().settings();
        assertEquals(4333, s.broker().port());
        assertTrue(s.mail().mtas().get(0).ssl());
        assertEquals(465, s.mail().mtas().get(0).port());
        assertFalse(s.debug());
    }

    @Test
    void anEmptyListItemIsNamedNotACrash() throws IOException {
        ConfigLoader.Outcome o = read("brokers:\n  - nats://a:4222\n  -\n");
        assertEquals(1, o.problems().size(), o.lines().toString());
        assertEquals(file() + ":3: brokers[1]: is an empty list item; fill it in or remove its '-'", o.lines().get(0));
    }

    @Test
    void yesAndNoAreTextNotBooleans() throws IOException {
        ConfigLoader.Outcome text = read("mail:\n  mtas:\n    - name: main\n      passwd: no\n");
        assertTrue(text.ok(), text.lines().toString());
        assertEquals("no", text.config().settings().mail().mtas().get(0).passwd());
        ConfigLoader.Outcome flag = read("debug: yes\n");
        assertEquals(List.of(file() + ":1: debug: must be true or false"), flag.lines());
    }

    @Test
    void lineOfFindsNestedKeys() {
        String yaml = "broker:\n  tls:\n    cert: a.pem\n    key: a.key\n";
        assertEquals(4, YamlTree.lineOf(yaml, "broker.tls.key"));
        assertEquals(0, YamlTree.lineOf(yaml, "broker.tls.ca"));
        assertEquals(0, YamlTree.lineOf("broker: [", "broker"), "not YAML: no line");
    }
}
