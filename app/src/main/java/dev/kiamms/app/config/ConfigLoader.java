package dev.kiamms.app.config;

import dev.kiamms.app.KiamMsException;

import org.yaml.snakeyaml.nodes.Node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads the YAML configuration and reports every problem in it at once, in file order, each as
 * {@code FILE:LINE: key.path: what is wrong}: syntax errors, duplicate keys, unknown keys, wrong
 * types and values the settings refuse.
 */
public final class ConfigLoader {

    /** The settings, or the problems that kept them from loading (never both). */
    public record Outcome(LoadedConfig config, List<ConfigProblem> problems) {
        public Outcome {
            problems = List.copyOf(problems);
        }

        public boolean ok() {
            return problems.isEmpty();
        }

        /** One line per problem. */
        public List<String> lines() {
            return problems.stream().map(ConfigProblem::describe).toList();
        }
    }

    /**
     * @param file the configuration file; when it does not exist and {@code required} is false,
     *             the embedded defaults are used
     * @throws KiamMsException (exit code CONFIG) listing every problem, one per line
     */
    public LoadedConfig load(Path file, boolean required) {
        Outcome outcome = read(file, required);
        if (!outcome.ok()) {
            throw new KiamMsException(KiamMsException.CONFIG, String.join("\n", outcome.lines()));
        }
        return outcome.config();
    }

    /**
     * Like {@link #load} but returns the problems instead of throwing them.
     *
     * @throws KiamMsException when the file is missing (and required) or cannot be read
     */
    public Outcome read(Path file, boolean required) {
        if (file == null || !Files.exists(file)) {
            if (required) {
                throw new KiamMsException(KiamMsException.CONFIG,
                        "configuration file " + file + " does not exist; give an existing file with --config");
            }
            return new Outcome(new LoadedConfig(Settings.defaults(), null), List.of());
        }
        if (!Files.isReadable(file)) {
            throw new KiamMsException(KiamMsException.CONFIG,
                    "configuration file " + file + " is not readable by this user; fix its permissions");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KiamMsException(KiamMsException.CONFIG, "cannot read " + file + ": " + e.getMessage(), e);
        }
        List<ConfigProblem> problems = new ArrayList<>();
        Node root = YamlTree.parse(file, text, problems);
        if (!problems.isEmpty()) {
            return new Outcome(null, problems);
        }
        YamlTree.findDuplicates(root, "", file, problems);
        Settings settings = new RecordBinder(file, problems).bind(root, Settings.class).orElse(null);
        if (!problems.isEmpty()) {
            // Stable sort: problems on one line keep the order they were found in.
            return new Outcome(null, problems.stream().sorted(Comparator.comparingInt(ConfigProblem::line)).collect(Collectors.toList()));
        }
        return new Outcome(new LoadedConfig(settings == null ? Settings.defaults() : settings, file.toAbsolutePath().normalize()), problems);
    }
}
