package dev.kiamms.route;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Every line logged under {@code kiamms} while it is open, as the log file would show it. */
final class CapturedLog extends Handler implements AutoCloseable {

    private final Logger logger = Logger.getLogger("kiamms");
    private final List<String> lines = new CopyOnWriteArrayList<>();

    CapturedLog() {
        setLevel(Level.ALL);
        logger.addHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
        lines.add(record.getLevel() + " " + record.getLoggerName() + " " + record.getMessage());
    }

    String text() {
        return String.join("\n", lines);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
