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
            return cpuTicks(Path.of("/proc", Long.toString(pid), "stat")) * 1_000_000L / CLK_TCK;
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    /**
     * CPU time so far of the process's JIT compiler threads (HotSpot names them "C1 CompilerThread#"
     * and "C2 CompilerThread#"), in microseconds; -1 when it has none (a Go process) or is gone.
     */
    static long compilerCpuMicros(long pid) {
        long ticks = 0;
        boolean any = false;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (!Files.readString(task.resolve("comm")).contains("CompilerThre")) {
                        continue;
                    }
                    ticks += cpuTicks(task.resolve("stat"));
                    any = true;
                } catch (IOException | RuntimeException threadGone) {
                    // a compiler thread that ended (HotSpot stops idle ones) no longer counts
                }
            }
        } catch (IOException gone) {
            return -1;
        }
        return any ? ticks * 1_000_000L / CLK_TCK : -1;
    }

    /** User plus system CPU time, in clock ticks, from a process's or a thread's {@code stat} file. */
    private static long cpuTicks(Path stat) throws IOException {
        String text = Files.readString(stat);
        // The command name in parentheses may hold spaces: count fields after the last ')'.
        String[] f = text.substring(text.lastIndexOf(')') + 2).trim().split("\\s+");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
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

    /**
     * CPU time of the whole machine so far (all CPUs, /proc/stat), in microseconds: [0] user, nice
     * and system time of all processes, [1] interrupts and soft interrupts (mostly our own
     * loopback traffic), [2] steal (taken by the hypervisor).
     */
    static long[] machineMicros() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+");
            long processes = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]);
            long irq = Long.parseLong(f[6]) + Long.parseLong(f[7]);
            long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
            return new long[]{processes * 1_000_000L / CLK_TCK, irq * 1_000_000L / CLK_TCK, steal * 1_000_000L / CLK_TCK};
        } catch (IOException | RuntimeException e) {
            return new long[3];
        }
    }

    /** The 1, 5 and 15 minute load averages. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * CPU used by some processes between {@link #begin()} and {@link #end()}, and by everything
     * else on the machine ("other": e.g. builds running beside the benchmark, which skew it).
     */
    static final class CpuWindow {
        private final Map<String, Long> pids;
        private final Map<String, Long> before = new LinkedHashMap<>();
        private final Map<String, Long> used = new LinkedHashMap<>();
        private long[] machineBefore = new long[3];
        private long wallBefore;
        private final long[] machineUsed = new long[3];
        private long wallUsed;

        CpuWindow(Map<String, Long> pids) {
            this.pids = new LinkedHashMap<>(pids);
        }

        void begin() {
            pids.forEach((k, pid) -> before.put(k, cpuMicros(pid)));
            machineBefore = machineMicros();
            wallBefore = System.nanoTime();
        }

        void end() {
            pids.forEach((k, pid) -> used.put(k, cpuMicros(pid) - before.getOrDefault(k, 0L)));
            long[] now = machineMicros();
            for (int i = 0; i < 3; i++) {
                machineUsed[i] = now[i] - machineBefore[i];
            }
            wallUsed = (System.nanoTime() - wallBefore) / 1000;
        }

        /** CPU used by other processes during the window, in percent of one CPU. */
        double otherPercent() {
            long ours = used.values().stream().mapToLong(Long::longValue).sum();
            return wallUsed == 0 ? 0 : Math.max(0, machineUsed[0] - ours) * 100.0 / wallUsed;
        }

        /** Interrupt and soft-interrupt time during the window, in percent of one CPU. */
        double irqPercent() {
            return wallUsed == 0 ? 0 : machineUsed[1] * 100.0 / wallUsed;
        }

        /** Time stolen by the hypervisor during the window, in percent of one CPU. */
        double stealPercent() {
            return wallUsed == 0 ? 0 : machineUsed[2] * 100.0 / wallUsed;
        }

        /** CPU used by the named processes during the window, in percent of one CPU. */
        Map<String, Double> percent() {
            Map<String, Double> out = new LinkedHashMap<>();
            used.forEach((k, v) -> out.put(k, wallUsed == 0 ? 0.0 : v * 100.0 / wallUsed));
            return out;
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
