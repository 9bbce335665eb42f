package dev.kiamms.app.cli;

import java.util.List;

/**
 * What a command says, once for people and once for programs: lines of text, and the same facts
 * as a value Jackson writes as JSON. {@link OutputOptions#print} picks one by {@code --json}, so
 * a command builds its answer once instead of printing it twice.
 */
public record Result(List<String> lines, Object json) {

    public Result {
        lines = List.copyOf(lines);
    }

    public static Result of(Object json, List<String> lines) {
        return new Result(lines, json);
    }

    public static Result of(Object json, String... lines) {
        return new Result(List.of(lines), json);
    }
}
