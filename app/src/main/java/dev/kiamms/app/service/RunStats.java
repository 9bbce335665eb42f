package dev.kiamms.app.service;

import dev.kiamms.files.OwnerOnlyFiles;
import dev.kiamms.limit.BudgetCounts;
import dev.kiamms.mail.delivery.Attempt;
import dev.kiamms.pipeline.HandlerStats;

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
public record RunStats(String at, Map<String, HandlerStats.Counts> handlers, long deadLettered,
                       Map<String, Map<Attempt.Outcome, Long>> mailAttempts, String health, List<String> problems,
                       Map<String, BudgetCounts.Counts> sendLimits) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** @param health and {@code problems}: what /healthz says now, for status */
    public static RunStats of(HandlerStats stats, long deadLettered, Map<String, Map<Attempt.Outcome, Long>> mailAttempts,
                              String health, List<String> problems) {
        return of(stats, deadLettered, mailAttempts, health, problems, Map.of());
    }

    /** @param sendLimits per action with a send limit: allowed, over the limit, store unavailable */
    public static RunStats of(HandlerStats stats, long deadLettered, Map<String, Map<Attempt.Outcome, Long>> mailAttempts,
                              String health, List<String> problems, Map<String, BudgetCounts.Counts> sendLimits) {
        return new RunStats(Instant.now().toString(), stats.snapshot(), deadLettered, mailAttempts, health, problems, sendLimits);
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
