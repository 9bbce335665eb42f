package dev.kiamms.app.logging;

import dev.kiamms.files.OwnerOnlyFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * java.util.logging set up for an operator: one line per event with time (UTC), level, component
 * and message (reqid inside it), to the console and, for the running appliance, to size-rotated
 * files in the log folder.
 */
public final class LogSetup {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private LogSetup() {
    }

    /** For short commands: warnings and errors only, to stderr. */
    public static void forCommand(boolean debug) {
        Logger root = reset(debug ? Level.FINE : Level.WARNING);
        root.addHandler(console(debug ? Level.FINE : Level.WARNING));
    }

    /** For the appliance: the console and size-rotated {@code kiam-ms.N.log} files in {@code logDir} (N = 0 is the newest). */
    public static void forService(Path logDir, boolean debug, long maxFileBytes, int keep) throws IOException {
        Level level = debug ? Level.FINE : Level.INFO;
        Logger root = reset(level);
        root.addHandler(console(level));
        OwnerOnlyFiles.directory(logDir);
        FileHandler file = new FileHandler(logDir.resolve("kiam-ms.%g.log").toString(),
                (int) Math.min(Integer.MAX_VALUE, maxFileBytes), keep, true);
        file.setFormatter(new OneLine());
        file.setLevel(level);
        file.setEncoding("UTF-8");
        root.addHandler(file);
    }

    private static Logger reset(Level level) {
        LogManager manager = LogManager.getLogManager();
        if (manager instanceof DeferredResetLogManager deferred) {
            deferred.resetNow();
        } else {
            manager.reset();
        }
        Logger root = Logger.getLogger("");
        root.setLevel(level);
        // jnats and the runner log through JUL too; keep them at warnings unless debugging.
        Logger.getLogger("io.nats").setLevel(level.intValue() < Level.INFO.intValue() ? level : Level.WARNING);
        return root;
    }

    private static Handler console(Level level) {
        Handler h = new StderrHandler();
        h.setLevel(level);
        return h;
    }

    /** Writes to stderr line by line and, unlike ConsoleHandler re-targeted, never closes it. */
    private static final class StderrHandler extends StreamHandler {
        StderrHandler() {
            super(System.err, new OneLine());
        }

        @Override
        public synchronized void publish(LogRecord record) {
            super.publish(record);
            flush();
        }

        @Override
        public synchronized void close() {
            flush();
        }
    }

    /** {@code 2026-11-23T04:29:09.123Z INFO  kiamms.broker  message}, then the stack trace if any. */
    static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder s = new StringBuilder(160)
                    .append(TIME.format(Instant.ofEpochMilli(r.getMillis()))).append(' ')
                    .append(levelName(r.getLevel())).append(' ')
                    .append(r.getLoggerName() == null ? "-" : r.getLoggerName()).append("  ")
                    .append(formatMessage(r).replace('\n', ' ').replace('\r', ' '))
                    .append(System.lineSeparator());
            if (r.getThrown() != null && r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                java.io.StringWriter w = new java.io.StringWriter();
                r.getThrown().printStackTrace(new java.io.PrintWriter(w));
                s.append(w);
            }
            return s.toString();
        }

        private static String levelName(Level l) {
            if (l.intValue() >= Level.SEVERE.intValue()) {
                return "ERROR";
            }
            if (l.intValue() >= Level.WARNING.intValue()) {
                return "WARN ";
            }
            if (l.intValue() >= Level.INFO.intValue()) {
                return "INFO ";
            }
            return "DEBUG";
        }
    }
}
