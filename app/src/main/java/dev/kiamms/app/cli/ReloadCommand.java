package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.service.InstanceLock;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.app.service.RunState;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.Callable;

@Command(name = "reload",
        description = "Make the running appliance read its configuration again (the same as sending it SIGHUP) and say what happened.",
        footer = {"", "Reloaded while running: geoip.path, mail (templates, MTAs, subject prefix), service.actions.*.subscribe.",
                "Changes to broker.*, audits, notices, logs, dedup and log.* take effect at the next start.",
                "A configuration that does not load is refused and the running one kept.",
                "Exit codes: 0 reloaded, 2 refused (the message says why), 3 not running, 1 no answer.",
                "", "Examples:", "  kiam-ms reload", "  systemctl reload kiam-ms"})
public final class ReloadCommand implements Callable<Integer> {

    @Mixin
    InstanceOptions instance;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws Exception {
        InstancePaths paths = instance.paths();
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
                boolean applied = r.path("applied").asBoolean();
                if (output.json()) {
                    output.printJson(System.out, r);
                } else {
                    System.out.println(r.path("message").asText());
                }
                return applied ? 0 : KiamMsException.CONFIG;
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
