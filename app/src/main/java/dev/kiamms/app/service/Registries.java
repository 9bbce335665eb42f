package dev.kiamms.app.service;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.config.ConfigProblem;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.YamlTree;
import dev.kiamms.app.registry.Registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The registry's checks of a loaded configuration, as one-line problems naming the file and line. */
public final class Registries {

    private Registries() {
    }

    /** Each problem as {@code FILE:LINE: key: message}, as the config reader says its own; no line when the key is not written. */
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
            int line = YamlTree.lineOf(content, p.key());
            return new ConfigProblem(file == null ? Path.of("configuration") : file, line, p.key(), p.message()).describe();
        }).toList();
    }

    /** @throws KiamMsException (configuration) listing every problem, one per line, as the config reader does */
    static void requireValid(Registry registry, LoadedConfig config) {
        List<String> problems = problems(registry, config);
        if (!problems.isEmpty()) {
            throw new KiamMsException(KiamMsException.CONFIG, String.join("\n", problems));
        }
    }
}
