package dev.kiamms.app.service;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.config.ConfigProblem;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.RouteCheck;
import dev.kiamms.app.config.Settings;
import dev.kiamms.app.config.YamlTree;
import dev.kiamms.app.registry.Registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The registry's checks of a loaded configuration, as one-line problems naming the file and line. */
public final class Registries {

    private Registries() {
    }

    /** Each problem as {@code FILE:LINE: key: message}, as the config reader says its own; no line when the key is not written. */
    public static List<String> problems(Registry registry, LoadedConfig config) {
        return problems(registry, config, null);
    }

    /**
     * As {@link #problems(Registry, LoadedConfig)}, and what the routes ask that the configuration
     * cannot give (see {@link RouteCheck}).
     *
     * @param templateNames the loaded template folder's names; null: templates not checked (not loaded)
     */
    public static List<String> problems(Registry registry, LoadedConfig config, Set<String> templateNames) {
        Settings s = config.settings();
        List<Registry.Problem> found = registry.problems(s);
        List<RouteCheck.Finding> findings = new RouteCheck(s.routes(), s.channels()).findings(templateNames);
        if (found.isEmpty() && findings.isEmpty()) {
            return List.of(); // the usual start: no need to read the file again for line numbers
        }
        Path file = config.source();
        String text = "";
        try {
            text = file == null ? "" : Files.readString(file);
        } catch (IOException e) {
            // the file was read a moment ago; without it the problems go without lines
        }
        Path shown = file == null ? Path.of("configuration") : file;
        List<String> out = new ArrayList<>();
        for (Registry.Problem p : found) {
            out.add(new ConfigProblem(shown, YamlTree.lineOf(text, p.key()), p.key(), p.message()).describe());
        }
        for (RouteCheck.Finding f : findings) {
            out.add(new ConfigProblem(shown, lineOfOrParent(text, f.key()), f.key(), f.what()).describe());
        }
        return out;
    }

    /** The key's line, or its nearest written parent's (a missing {@code template:} is reported at its route). */
    private static int lineOfOrParent(String yaml, String key) {
        for (String k = key; ; k = k.substring(0, k.lastIndexOf('.'))) {
            int line = YamlTree.lineOf(yaml, k);
            if (line > 0 || !k.contains(".")) {
                return line;
            }
        }
    }

    /** @throws KiamMsException (configuration) listing every problem, one per line, as the config reader does */
    static void requireValid(Registry registry, LoadedConfig config) {
        requireValid(registry, config, null);
    }

    /** As {@link #requireValid(Registry, LoadedConfig)}, the routes' templates checked against {@code templateNames} (null: not). */
    static void requireValid(Registry registry, LoadedConfig config, Set<String> templateNames) {
        List<String> problems = problems(registry, config, templateNames);
        if (!problems.isEmpty()) {
            throw new KiamMsException(KiamMsException.CONFIG, String.join("\n", problems));
        }
    }
}
