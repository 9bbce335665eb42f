package dev.kiamms.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Commands print through the command line's writers, once as text and once as JSON from the same result. */
class CommandOutputTest {

    @TempDir
    Path dir;

    @Test
    void nothingReachesSystemOutWhenTheWritersAreGiven() throws Exception {
        Path config = Files.writeString(dir.resolve("kiam-ms.yaml"), "broker:\n  prot: 1\n");
        String data = dir.resolve("data").toString();
        List<String[]> commands = List.of(
                new String[]{"version"},
                new String[]{"version", "--json"},
                new String[]{"config", "check", config.toString(), "--data", data},
                new String[]{"users", "list", "--data", data},
                new String[]{"dead-letters", "list", "--data", data, "--json"},
                new String[]{"completion", "zsh"});
        PrintStream saved = System.out;
        ByteArrayOutputStream leaked = new ByteArrayOutputStream();
        System.setOut(new PrintStream(leaked, true, StandardCharsets.UTF_8));
        try {
            for (String[] args : commands) {
                CommandRun r = CommandRun.of(args);
                assertFalse(r.out().isBlank(), String.join(" ", args) + " printed through its writer: " + r.text());
            }
        } finally {
            System.setOut(saved);
        }
        assertEquals("", leaked.toString(StandardCharsets.UTF_8), "nothing printed on System.out itself");
    }

    @Test
    void textAndJsonSayTheSameThing() throws Exception {
        Path config = Files.writeString(dir.resolve("kiam-ms.yaml"), "broker:\n  prot: 1\n  port: 0\n");
        String data = dir.resolve("data").toString();
        CommandRun text = CommandRun.of("config", "check", config.toString(), "--data", data);
        CommandRun json = CommandRun.of("config", "check", config.toString(), "--data", data, "--json");
        assertEquals(2, text.exit(), text.text());
        assertEquals(2, json.exit(), json.text());
        JsonNode j = new ObjectMapper().readTree(json.out());
        assertFalse(j.path("ok").asBoolean(true), json.out());
        List<String> problems = new java.util.ArrayList<>();
        j.path("problems").forEach(p -> problems.add(p.asText()));
        assertEquals(2, problems.size(), json.out());
        assertEquals(problems, text.out().lines().toList(), "the text lists the same problems, one a line");
        assertTrue(problems.get(0).startsWith(config + ":2: broker.prot: unknown key"), problems.get(0));
        assertTrue(problems.get(1).startsWith(config + ":3: broker.port: must be between 1 and 65535"), problems.get(1));
    }
}
