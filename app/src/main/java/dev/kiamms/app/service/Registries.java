package dev.kiamms.app.service;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.config.KeyLines;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.registry.Registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The registry's checks of a loaded configuration, as one-line problems naming the file and line. */
public final class Registries {

    private Registries() {
    }

    /** Each problem as {@code FILE line N: message}; the line is left out when the key is not written in the file. */
    public static List<String> problems(Registry registry, LoadedConfig config) {
        Path file = config.source();
        String text = "";
        try {
            text = file == null ? "" : Files.readString(file);
        } catch (IOException e) {
            // the file was read a moment ago; without it the problems go without lines
        }
        String content = text;
        return registry.problems(config.settings()).stream().map(p -> {
            int line = KeyLines.lineOf(content, p.key());
            return (file == null ? "configuration" : file.toString()) + (line > 0 ? " line " + line : "") + ": " + p.message();
        }).toList();
    }

    /** @throws KiamMsException (configuration) with the first problem, when there is one */
    static void requireValid(Registry registry, LoadedConfig config) {
        List<String> problems = problems(registry, config);
        if (!problems.isEmpty()) {
            throw new KiamMsException(KiamMsException.CONFIG, problems.get(0)
                    + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more; see 'kiam-ms config check')" : ""));
        }
    }
}
