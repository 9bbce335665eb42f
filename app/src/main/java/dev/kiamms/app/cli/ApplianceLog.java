package dev.kiamms.app.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The appliance's own log, read by {@code send-test} for what a reply does not carry: where a mail
 * went. It names each request's {@code reqid=}, so a line about one request is found among others.
 */
final class ApplianceLog {

    private final Path file;
    private final long from;

    /** Marks the log's current end: only lines written after it are searched. */
    ApplianceLog(Path file) throws IOException {
        this.file = file;
        this.from = Files.exists(file) ? Files.size(file) : 0;
    }

    Path file() {
        return file;
    }

    /** The first new line naming {@code reqid} that {@code wanted} accepts, waiting up to {@code timeout}. */
    Optional<String> await(String reqid, Predicate<String> wanted, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String needle = "reqid=" + reqid;
        do {
            if (Files.exists(file)) {
                byte[] all = Files.readAllBytes(file);
                int start = (int) Math.min(from, all.length);
                for (String line : new String(all, start, all.length - start, StandardCharsets.UTF_8).split("\n")) {
                    if (line.contains(needle) && wanted.test(line)) {
                        return Optional.of(line.strip());
                    }
                }
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        return Optional.empty();
    }
}
