package dev.kiamms.app.service;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.files.OwnerOnlyFiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/**
 * Asks the appliance running on a data directory to reload its configuration and waits for its
 * answer. Shared by {@code kiam-ms reload}, {@code kiam-ms users} and {@code kiam-ms geoip update}.
 *
 * <p>The request goes as a file that the appliance watches ({@link ReloadRequestWatcher}), not as
 * SIGHUP: a signal does nothing to an appliance started with SIGHUP ignored ({@code nohup}), and
 * carries no id to match the answer to. Only an appliance from before that channel (no request
 * folder) still gets SIGHUP.
 */
public final class ReloadRequest {

    /** What the appliance said; {@code record} is the whole reload.json, for {@code --json}. */
    public record Outcome(boolean applied, String message, JsonNode record) {
    }

    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(15);

    private ReloadRequest() {
    }

    /** Whether an appliance holds this data directory now. */
    public static boolean running(InstancePaths paths) {
        return RunState.read(paths.stateFile()).isPresent() && InstanceLock.isHeld(paths.lockFile());
    }

    /**
     * @throws KiamMsException NOT_RUNNING when no appliance runs there, FAILURE when the request
     *                         cannot be made or is not answered within 15 s
     */
    public static Outcome send(InstancePaths paths) throws IOException, InterruptedException {
        RunState state = RunState.read(paths.stateFile()).orElse(null);
        if (state == null || !InstanceLock.isHeld(paths.lockFile())) {
            throw new KiamMsException(KiamMsException.NOT_RUNNING, "kiam-ms is not running for " + paths.dataDir()
                    + "; start it with 'kiam-ms start'");
        }
        Path dir = paths.reloadRequestDir();
        return Files.isDirectory(dir) ? viaRequestFile(dir, state) : viaSignal(paths, state);
    }

    private static Outcome viaRequestFile(Path dir, RunState state) throws InterruptedException {
        String id = UUID.randomUUID().toString();
        Path request = dir.resolve(id + ReloadRequestWatcher.REQUEST);
        Path answer = dir.resolve(id + ReloadRequestWatcher.ANSWER);
        try {
            // Empty: the name is the request. Owner-only like everything in the run folder.
            OwnerOnlyFiles.createNew(request, new byte[0]);
        } catch (IOException e) {
            throw new KiamMsException(KiamMsException.FAILURE, "cannot ask kiam-ms (pid " + state.pid() + ") to reload: "
                    + e.getMessage() + "; run this as the user kiam-ms runs as, or as root");
        }
        long deadline = System.nanoTime() + ANSWER_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode r = readJson(answer);
            if (r != null) {
                deleteQuietly(answer);
                return new Outcome(r.path("applied").asBoolean(), r.path("message").asText(), r);
            }
            Thread.sleep(50);
        }
        // Withdraw the request so that an appliance that wakes up later does not reload for nobody;
        // if it is gone, the appliance took it and is still reloading.
        boolean taken = !deleteQuietly(request);
        throw new KiamMsException(KiamMsException.FAILURE, "no answer from kiam-ms (pid " + state.pid() + ") within "
                + ANSWER_WITHIN.toSeconds() + " s: " + (taken ? "it took the reload request but has not finished it"
                : "it did not take the reload request (stopped or stuck?)") + "; see its log, then run 'kiam-ms reload'");
    }

    /** For an appliance from before the request folder: SIGHUP, and a change of {@code run/reload.json}. */
    private static Outcome viaSignal(InstancePaths paths, RunState state) throws IOException, InterruptedException {
        String before = lastReloadAt(paths);
        // The shell's built-in kill: present wherever the launcher script runs, unlike a kill binary.
        Process kill = new ProcessBuilder("/bin/sh", "-c", "kill -HUP " + state.pid()).redirectErrorStream(true).start();
        if (kill.waitFor() != 0) {
            throw new KiamMsException(KiamMsException.FAILURE, "cannot signal pid " + state.pid() + ": "
                    + new String(kill.getInputStream().readAllBytes()).strip());
        }
        long deadline = System.nanoTime() + ANSWER_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode r = readJson(paths.reloadFile());
            if (r != null && !r.path("at").asText().equals(before)) {
                return new Outcome(r.path("applied").asBoolean(), r.path("message").asText(), r);
            }
            Thread.sleep(50);
        }
        throw new KiamMsException(KiamMsException.FAILURE, "no answer from kiam-ms (pid " + state.pid()
                + ") within " + ANSWER_WITHIN.toSeconds() + " s to SIGHUP; see its log, or restart it to get the reload-request folder");
    }

    private static String lastReloadAt(InstancePaths paths) {
        JsonNode r = readJson(paths.reloadFile());
        return r == null ? "" : r.path("at").asText();
    }

    /** Null while there is none; the appliance replaces files atomically, so a file there is whole. */
    private static JsonNode readJson(Path file) {
        try {
            return Files.isRegularFile(file) ? new ObjectMapper().readTree(file.toFile()) : null;
        } catch (IOException e) {
            return null; // gone between the check and the read: look again
        }
    }

    /** @return whether this call deleted it */
    private static boolean deleteQuietly(Path file) {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            return false; // an answer left behind is removed by the appliance after a while
        }
    }
}
