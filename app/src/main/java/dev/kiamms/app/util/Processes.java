package dev.kiamms.app.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process checks that hold for a killed process whose parent has not reaped it yet. */
public final class Processes {

    private Processes() {
    }

    /** Alive and not a zombie: {@code ProcessHandle.isAlive} is true for a zombie, which runs nothing. */
    public static boolean isRunning(ProcessHandle p) {
        if (!p.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            int close = stat.lastIndexOf(')');
            return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return true; // no /proc: trust isAlive
        }
    }
}
