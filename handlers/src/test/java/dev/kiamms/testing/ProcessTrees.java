package dev.kiamms.testing;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Ending what a test started, child processes included. */
public final class ProcessTrees {

    private ProcessTrees() {
    }

    /**
     * Kills the process (SIGKILL) and then everything that ran under it. The process goes first:
     * kiam-ms restarts a nats-server that dies at once, so killing the broker before the JVM could
     * leave a freshly restarted broker behind, orphaned.
     */
    public static void kill(Process process) {
        List<ProcessHandle> below = process.descendants().toList();
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        below.forEach(ProcessHandle::destroyForcibly);
    }
}
