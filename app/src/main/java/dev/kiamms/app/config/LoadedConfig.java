package dev.kiamms.app.config;

import java.nio.file.Path;

/**
 * Settings together with where they came from: relative paths in the configuration are relative
 * to the folder of its file (as in the reference server's layout), or to the distribution's
 * {@code conf/} folder when running on embedded defaults.
 *
 * @param source the file read, or {@code null} for the embedded defaults
 */
public record LoadedConfig(Settings settings, Path source) {

    public Path resolve(String path, Path defaultBase) {
        Path p = Path.of(path);
        if (p.isAbsolute()) {
            return p.normalize();
        }
        Path base = source != null ? source.getParent() : defaultBase;
        return base.resolve(p).toAbsolutePath().normalize();
    }

    public String describeSource() {
        return source == null ? "embedded defaults" : source.toString();
    }
}
