package dev.kiamms.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/**
 * What every command prints through: {@code --json} (output for programs instead of people) and
 * the command line's own writers, so a caller (a test) can capture the output with
 * {@code CommandLine.setOut} instead of swapping {@code System.out}.
 */
public final class OutputOptions {

    /** Built on first use: picocli creates this mixin for every command, most never print JSON. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    @Option(names = "--json", description = "Print JSON for programs instead of text for people.")
    boolean json;

    /** The command this mixin is part of, whose command line holds the writers. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    public boolean json() {
        return json;
    }

    /** Standard output of this run. */
    public PrintWriter out() {
        return command.commandLine().getOut();
    }

    /** Standard error of this run: warnings and progress, never the result. */
    public PrintWriter err() {
        return command.commandLine().getErr();
    }

    /** Prints the result as its JSON value with {@code --json}, else as its lines of text. */
    public void print(Result result) {
        PrintWriter out = out();
        if (json) {
            printJson(out, result.json());
        } else {
            result.lines().forEach(out::println);
        }
        out.flush();
    }

    public void printJson(PrintWriter out, Object value) {
        try {
            out.println(Json.MAPPER.writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
