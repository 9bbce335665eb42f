package dev.kiamms.app.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code scripts/fetch-nats-server} recorded about a nats-server binary (the distribution's
 * {@code NATS-SERVER.txt}): its version, SHA-256 and where it came from. The record is
 * {@code key: value} lines; a record of an older release is one line,
 * {@code nats-server: v2.9.10 (ORIGIN)}, and has no SHA-256.
 *
 * @param sha256 hex digest of the binary; empty when the record has none
 * @param note   why the binary was accepted although below the minimum version; usually empty
 */
public record NatsServerRecord(String version, String sha256, String origin, String note) {

    private static final Pattern ONE_LINE = Pattern.compile("nats-server: v(\\S+)(?: \\((.*)\\))?");

    /** The record in {@code file}; empty when there is none or it cannot be read. */
    public static Optional<NatsServerRecord> read(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(parse(Files.readString(file))) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // an unreadable record is the same as none
        }
    }

    public static NatsServerRecord parse(String text) {
        Map<String, String> fields = new HashMap<>();
        for (String line : text.strip().split("\n")) {
            int colon = line.indexOf(": ");
            if (colon > 0) {
                fields.putIfAbsent(line.substring(0, colon).strip(), line.substring(colon + 2).strip());
            }
        }
        if (fields.containsKey("version")) {
            return new NatsServerRecord(fields.get("version"), fields.getOrDefault("sha256", ""),
                    fields.getOrDefault("origin", ""), fields.getOrDefault("note", ""));
        }
        String first = text.strip().lines().findFirst().orElse("");
        Matcher m = ONE_LINE.matcher(first);
        if (m.matches()) {
            return new NatsServerRecord(m.group(1), "", m.group(2) == null ? "" : m.group(2), "");
        }
        return new NatsServerRecord(first, "", "", "");
    }

    /** One line for people: {@code nats-server: v2.15.1 (Debian unstable (sid) package nats-server 2.15.1-1)}. */
    public String line() {
        return "nats-server: v" + version + (origin.isEmpty() ? "" : " (" + origin + ")");
    }
}
