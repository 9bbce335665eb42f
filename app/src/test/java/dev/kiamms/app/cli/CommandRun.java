package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMs;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * A kiam-ms command run in this JVM, with what it printed captured through the command line's
 * own writers (never by swapping {@code System.out}, which other threads may be using).
 */
public record CommandRun(int exit, String out, String err) {

    public static CommandRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = KiamMs.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CommandRun(exit, out.toString(), err.toString());
    }

    /** Both streams, for assertion messages. */
    public String text() {
        return out + err;
    }
}
