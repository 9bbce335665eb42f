package dev.kiamms.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Memory and CPU of processes, from /proc. */
final class Proc {

    private static final long CLK_TCK = clockTicks();

    private Proc() {
    }

    /** Resident memory in kB: VmRSS, RssAnon, RssFile; zeros when the process is gone. */
    record Rss(long vmRssKb, long anonKb, long fileKb) {
        Rss max(Rss o) {
            return o.vmRssKb > vmRssKb ? o : this;
        }
    }

    static Rss rss(long pid) {
        long vm = 0;
        long anon = 0;
        long file = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    vm = kb(line);
                } else if (line.startsWith("RssAnon:")) {
                    anon = kb(line);
                } else if (line.startsWith("RssFile:")) {
                    file = kb(line);
                }
            }
        } catch (IOException gone) {
            // zeros
        }
        return new Rss(vm, anon, file);
    }

    private static long kb(String line) {
        String[] f = line.trim().split("\\s+");
        return Long.parseLong(f[1]);
    }

    /** User plus system CPU time of the process so far, in microseconds. */
    static long cpuMicros(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name in parentheses may hold spaces: count fields after the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
            return ticks * 1_000_000L / CLK_TCK;
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    static long memTotalKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return kb(line);
                }
            }
        } catch (IOException ignored) {
            // unknown
        }
        return 0;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException ignored) {
            // unknown
        }
        return "unknown";
    }

    private static long clockTicks() {
        String s = Installed.output(List.of("getconf", "CLK_TCK"));
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    /** Samples the resident memory of some processes every 200 ms and keeps each one's highest. */
    static final class RssSampler implements AutoCloseable {
        private final Map<String, Long> pids;
        private final Map<String, Rss> peak = new ConcurrentHashMap<>();
        private final Thread thread;
        private volatile boolean running = true;

        RssSampler(Map<String, Long> pids) {
            this.pids = new LinkedHashMap<>(pids);
            pids.keySet().forEach(k -> peak.put(k, new Rss(0, 0, 0)));
            thread = new Thread(() -> {
                while (running) {
                    sample();
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-rss");
            thread.setDaemon(true);
            thread.start();
        }

        private void sample() {
            pids.forEach((name, pid) -> peak.merge(name, rss(pid), Rss::max));
        }

        Rss peak(String name) {
            return peak.get(name);
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
            sample();
        }
    }

    /** CPU used by some processes between {@link #begin()} and {@link #end()}. */
    static final class CpuWindow {
        private final Map<String, Long> pids;
        private final Map<String, Long> before = new LinkedHashMap<>();
        private final Map<String, Long> used = new LinkedHashMap<>();

        CpuWindow(Map<String, Long> pids) {
            this.pids = new LinkedHashMap<>(pids);
        }

        void begin() {
            pids.forEach((k, pid) -> before.put(k, cpuMicros(pid)));
        }

        void end() {
            pids.forEach((k, pid) -> used.put(k, cpuMicros(pid) - before.getOrDefault(k, 0L)));
        }

        /** CPU microseconds per unit of work, by process name. */
        Map<String, Double> perUnit(long units) {
            Map<String, Double> out = new LinkedHashMap<>();
            used.forEach((k, v) -> out.put(k, units == 0 ? 0.0 : (double) v / units));
            return out;
        }

        List<String> names() {
            return new ArrayList<>(pids.keySet());
        }
    }
}
