package dev.kiamms.app.broker;

import io.nats.Output;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Receives what jnats-server-runner reads from nats-server's console: passes it to our log and
 * keeps the last lines, so a broker that dies at start can be explained in one line.
 */
final class BrokerOutput implements Output {

    private static final Logger LOG = Logger.getLogger("kiamms.nats-server");
    private static final int KEEP = 20;

    private final ArrayDeque<String> recent = new ArrayDeque<>(KEEP);

    @Override
    public void setLevel(Level level) {
        // our logging configuration decides
    }

    @Override
    public void error(Supplier<String> msg) {
        line(Level.WARNING, msg.get());
    }

    @Override
    public void error(String msg) {
        line(Level.WARNING, msg);
    }

    @Override
    public void warning(Supplier<String> msg) {
        line(Level.WARNING, msg.get());
    }

    @Override
    public void warning(String msg) {
        line(Level.WARNING, msg);
    }

    @Override
    public void info(Supplier<String> msg) {
        line(Level.FINE, msg.get());
    }

    @Override
    public void info(String msg) {
        line(Level.FINE, msg);
    }

    @Override
    public boolean isLogger() {
        return true;
    }

    @Override
    public Logger getLogger() {
        return LOG;
    }

    synchronized List<String> recentLines() {
        return List.copyOf(recent);
    }

    private void line(Level level, String text) {
        if (text == null) {
            return;
        }
        // The runner's own notes ("%%% ...") and its "Stream closed" at every shutdown are not news.
        boolean runnerNote = text.startsWith("%%%") || text.contains("Stream closed");
        LOG.log(runnerNote ? Level.FINE : level, text);
        if (!runnerNote) {
            synchronized (this) {
                if (recent.size() == KEEP) {
                    recent.removeFirst();
                }
                recent.addLast(text);
            }
        }
    }
}
