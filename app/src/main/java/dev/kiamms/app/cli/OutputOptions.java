package dev.kiamms.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import picocli.CommandLine.Option;

import java.io.PrintStream;

/** {@code --json}: output for programs instead of people. */
public final class OutputOptions {

    /** Built on first use: picocli creates this mixin for every command, most never print JSON. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    @Option(names = "--json", description = "Print JSON for programs instead of text for people.")
    boolean json;

    public boolean json() {
        return json;
    }

    public void printJson(PrintStream out, Object value) {
        try {
            out.println(Json.MAPPER.writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
