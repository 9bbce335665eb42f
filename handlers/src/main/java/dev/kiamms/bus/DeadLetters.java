package dev.kiamms.bus;

import dev.kiamms.files.OwnerOnlyFiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Durable messages that could not be handled after their last attempt, kept as owner-only JSON
 * files so that an operator can read them, and replay them once the cause is fixed. Each file
 * holds the original message body unchanged.
 */
public final class DeadLetters {

    /** One dead letter; {@code id} is its file name without the extension. */
    public record Letter(String id, String subject, String reqid, long attempts, String failedAt, String reason,
                         boolean mayHaveBeenDelivered, JsonNode envelope) {
    }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    public DeadLetters(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Letter put(String subject, String reqid, long attempts, String reason, boolean mayHaveBeenDelivered, byte[] body)
            throws IOException {
        OwnerOnlyFiles.directory(dir);
        String id = STAMP.format(Instant.now()) + "-" + safe(reqid);
        JsonNode envelope;
        try {
            envelope = JSON.readTree(body);
        } catch (IOException notJson) {
            envelope = JSON.getNodeFactory().textNode(new String(body, StandardCharsets.UTF_8));
        }
        Letter letter = new Letter(id, subject, reqid, attempts, Instant.now().toString(), reason, mayHaveBeenDelivered, envelope);
        // Durable before the broker is told to forget the message: after a power loss the letter is all that is left of it.
        OwnerOnlyFiles.writeDurably(dir.resolve(id + ".json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(letter));
        return letter;
    }

    /** Oldest first. */
    public List<Letter> list() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Letter> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                out.add(JSON.readValue(p.toFile(), Letter.class));
            }
        }
        return out;
    }

    public long count() {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).count();
        } catch (IOException e) {
            return -1;
        }
    }

    public Optional<Letter> get(String id) throws IOException {
        Path p = dir.resolve(safe(id) + ".json");
        return Files.isRegularFile(p) ? Optional.of(JSON.readValue(p.toFile(), Letter.class)) : Optional.empty();
    }

    public void remove(String id) throws IOException {
        Files.deleteIfExists(dir.resolve(safe(id) + ".json"));
    }

    /** The original envelope with a new send time, so that it passes validation again; reqid and payload unchanged. */
    public static byte[] replayBody(Letter letter, long nowMicros) throws IOException {
        if (!(letter.envelope() instanceof ObjectNode original)) {
            throw new IOException("dead letter " + letter.id() + " holds no JSON envelope and cannot be replayed");
        }
        return withNewTime(original, nowMicros);
    }

    /** A copy of the envelope with {@code time} set anew; reqid and payload unchanged. */
    static byte[] withNewTime(ObjectNode envelope, long nowMicros) throws IOException {
        ObjectNode copy = envelope.deepCopy();
        copy.put("time", nowMicros);
        return JSON.writeValueAsBytes(copy);
    }

    /** A reqid as a file-name part: letters, digits and {@code _.-} only. */
    static String safe(String s) {
        return s == null || s.isBlank() ? "no-reqid" : s.replaceAll("[^A-Za-z0-9_.-]", "_");
    }
}
