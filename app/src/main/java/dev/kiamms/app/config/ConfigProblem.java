package dev.kiamms.app.config;

import java.nio.file.Path;

/**
 * One thing wrong in a configuration file, where the operator has to fix it.
 *
 * @param line   1-based line of the offending key (0: the file as a whole)
 * @param column 1-based column, only for YAML syntax errors (0: none)
 * @param key    dotted path of the key ({@code broker.port}, {@code mail.mtas[0].port}); empty when none applies
 */
public record ConfigProblem(Path file, int line, int column, String key, String message) {

    public ConfigProblem(Path file, int line, String key, String message) {
        this(file, line, 0, key, message);
    }

    /** {@code FILE:LINE: key.path: what is wrong}, the form editors and compilers use. */
    public String describe() {
        StringBuilder s = new StringBuilder().append(file);
        if (line > 0) {
            s.append(':').append(line);
        }
        if (column > 0) {
            s.append(':').append(column);
        }
        s.append(": ");
        if (!key.isEmpty()) {
            s.append(key).append(": ");
        }
        return s.append(message).toString();
    }
}
