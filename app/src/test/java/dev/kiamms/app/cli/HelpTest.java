package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMs;

import picocli.CommandLine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --help} works on every command and subcommand, with exit 0 and examples. */
class HelpTest {

    private static void collect(CommandLine command, List<List<String>> paths, List<String> prefix) {
        for (var sub : command.getSubcommands().entrySet()) {
            if (sub.getKey().equals("help")) {
                continue;
            }
            List<String> path = new ArrayList<>(prefix);
            path.add(sub.getKey());
            paths.add(path);
            collect(sub.getValue(), paths, path);
        }
    }

    @Test
    void everyCommandAnswersHelp() {
        List<List<String>> paths = new ArrayList<>();
        collect(KiamMs.commandLine(), paths, List.of());
        assertTrue(paths.contains(List.of("send-test", "iplocation")), "send-test has the registry's subcommands: " + paths);
        assertTrue(paths.size() >= 15, paths.toString());
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            CommandRun r = CommandRun.of(args.toArray(String[]::new));
            String text = r.out();
            assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.text());
            assertTrue(text.startsWith("Usage: kiam-ms " + String.join(" ", path)), String.join(" ", args) + ": " + text);
            assertTrue(text.contains("Examples:"), String.join(" ", args) + " has examples: " + text);
        }
    }
}
