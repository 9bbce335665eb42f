package dev.kiamms.app.service;

import dev.kiamms.files.OwnerOnlyFiles;
import dev.kiamms.limit.BudgetCounts;
import dev.kiamms.mail.delivery.Attempt;
import dev.kiamms.mail.delivery.MtaBreaker;
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
                       Map<String, Map<Attempt.Outcome, Long>> mailAttempts, String health, List<String> problems,
                       List<MtaState> mtas, Map<String, BudgetCounts.Counts> sendLimits) {

    /**
     * One MTA's circuit breaker: {@code state} closed, open or half_open; {@code openUntil} an
     * ISO-8601 time while open, else null.
     */
    public record MtaState(String mta, String state, int consecutiveFailures, String openUntil) {

        public static List<MtaState> of(List<MtaBreaker.State> states) {
            return states.stream().map(s -> new MtaState(s.mta(), s.phase().name().toLowerCase(java.util.Locale.ROOT),
                    s.consecutiveFailures(), s.openUntil() == null ? null : s.openUntil().toString())).toList();
        }

        /** For status: {@code main: open until 2026-…, 3 failures in a row}. */
        public String describe() {
            return mta + ": " + ("open".equals(state) ? "open (skipped) until " + openUntil : state.replace('_', '-'))
                    + ", " + consecutiveFailures + " failure(s) in a row";
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param stats      the counters, the same snapshot the health answer was made from
     * @param health     and {@code problems}: what /healthz says now, for status
     * @param mtas       the MTAs' circuit breakers, in the order they are tried
     * @param sendLimits per action with a send limit: allowed, over the limit, store unavailable
     */
    public static RunStats of(StatsSnapshot stats, long deadLettered, String health, List<String> problems,
                              List<MtaBreaker.State> mtas, Map<String, BudgetCounts.Counts> sendLimits) {
        return new RunStats(Instant.now().toString(), stats.handlers(), deadLettered, stats.mailAttempts(), health, problems,
                MtaState.of(mtas), sendLimits);
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
