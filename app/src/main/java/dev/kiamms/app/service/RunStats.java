package dev.kiamms.app.service;

import dev.kiamms.files.OwnerOnlyFiles;
import dev.kiamms.mail.delivery.Attempt;
import dev.kiamms.metrics.HandlerCounts;
import dev.kiamms.metrics.StatsSnapshot;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The running appliance's counters, written every few seconds to {@code <data>/run/stats.json}
 * for {@code status}: per handler what was handled, failed, refused and repeated, the dead letters
 * made, the mail attempts per MTA and outcome, and the health with its problems.
 */
public record RunStats(String at, Map<String, HandlerCounts> handlers, long deadLettered,
                       Map<String, Map<Attempt.Outcome, Long>> mailAttempts, String health, List<String> problems) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param stats  the counters, the same snapshot the health answer was made from
     * @param health and {@code problems}: what /healthz says now, for status
     */
    public static RunStats of(StatsSnapshot stats, long deadLettered, String health, List<String> problems) {
        return new RunStats(Instant.now().toString(), stats.handlers(), deadLettered, stats.mailAttempts(), health, problems);
    }

    public void write(Path file) throws IOException {
        OwnerOnlyFiles.directory(file.getParent());
        OwnerOnlyFiles.write(file, JSON.writeValueAsBytes(this));
    }

    public static Optional<RunStats> read(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(JSON.readValue(file.toFile(), RunStats.class)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
