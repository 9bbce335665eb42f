package dev.kiamms.app.service;

import dev.kiamms.app.KiamMsException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;

/**
 * Asks the appliance running on a data directory to reload its configuration: SIGHUP, then the
 * outcome it leaves in {@code run/reload.json}. Shared by {@code kiam-ms reload} and
 * {@code kiam-ms geoip update}.
 */
public final class ReloadRequest {

    /** What the appliance said; {@code record} is the whole reload.json, for {@code --json}. */
    public record Outcome(boolean applied, String message, JsonNode record) {
    }

    private ReloadRequest() {
    }

    /** Whether an appliance holds this data directory now. */
    public static boolean running(InstancePaths paths) {
        return RunState.read(paths.stateFile()).isPresent() && InstanceLock.isHeld(paths.lockFile());
    }

    /**
     * @throws KiamMsException NOT_RUNNING when no appliance runs there, FAILURE when it cannot be
     *                         signalled or does not answer within 15 s
     */
    public static Outcome send(InstancePaths paths) throws IOException, InterruptedException {
        RunState state = RunState.read(paths.stateFile()).orElse(null);
        if (state == null || !InstanceLock.isHeld(paths.lockFile())) {
            throw new KiamMsException(KiamMsException.NOT_RUNNING, "kiam-ms is not running for " + paths.dataDir()
                    + "; start it with 'kiam-ms start'");
        }
        String before = lastReloadAt(paths);
        // The shell's built-in kill: present wherever the launcher script runs, unlike a kill binary.
        Process kill = new ProcessBuilder("/bin/sh", "-c", "kill -HUP " + state.pid()).redirectErrorStream(true).start();
        if (kill.waitFor() != 0) {
            throw new KiamMsException(KiamMsException.FAILURE, "cannot signal pid " + state.pid() + ": "
                    + new String(kill.getInputStream().readAllBytes()).strip());
        }
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonNode r = readReload(paths);
            if (r != null && !r.path("at").asText().equals(before)) {
                return new Outcome(r.path("applied").asBoolean(), r.path("message").asText(), r);
            }
            Thread.sleep(50);
        }
        throw new KiamMsException(KiamMsException.FAILURE, "no answer from kiam-ms (pid " + state.pid()
                + ") within 15 s; see its log");
    }

    private static String lastReloadAt(InstancePaths paths) {
        JsonNode r = readReload(paths);
        return r == null ? "" : r.path("at").asText();
    }

    private static JsonNode readReload(InstancePaths paths) {
        try {
            return Files.isRegularFile(paths.reloadFile()) ? new ObjectMapper().readTree(paths.reloadFile().toFile()) : null;
        } catch (IOException e) {
            return null; // being written right now: read again
        }
    }
}
