package dev.kiamms.app.tail;

import dev.kiamms.protocol.Subjects;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Prints what crosses the bus, one line per message, until it has printed {@code limit}
 * messages or is closed. It only subscribes: with a read-only user it cannot disturb anything,
 * except that a watched action no longer fails at once with "no responders" when nobody answers.
 */
public final class BusTail implements AutoCloseable {

    /** The kinds of message KrossIAM publishes, and where. */
    public enum Kind {
        NOTICE(Subjects.NOTICE_PREFIX + ">"),
        AUDIT(Subjects.AUDIT_PREFIX + ">"),
        LOG(Subjects.LOG),
        ACTION(Subjects.ACTION_PREFIX + ">");

        private final String subject;

        Kind(String subject) {
            this.subject = subject;
        }

        public String subject() {
            return subject;
        }
    }

    private final Connection connection;
    private final TailFormat format;
    private final PrintWriter out;
    private final CountDownLatch remaining;
    private Dispatcher dispatcher;

    /** @param limit stop after this many messages; 0 for no limit */
    public BusTail(Connection connection, TailFormat format, PrintWriter out, long limit) {
        this.connection = connection;
        this.format = format;
        this.out = out;
        this.remaining = new CountDownLatch(limit > 0 ? (int) Math.min(limit, Integer.MAX_VALUE) : Integer.MAX_VALUE);
    }

    /** Subscribes and returns the subjects watched; messages print from the dispatcher thread in arrival order. */
    public List<String> start(Set<Kind> kinds) throws InterruptedException, java.util.concurrent.TimeoutException {
        Set<Kind> chosen = kinds.isEmpty() ? EnumSet.allOf(Kind.class) : EnumSet.copyOf(kinds);
        dispatcher = connection.createDispatcher(m -> {
            if (remaining.getCount() == 0) {
                return;
            }
            out.println(format.line(Instant.now(), m.getSubject(), m.getData()));
            out.flush();
            remaining.countDown();
        });
        List<String> subjects = new ArrayList<>();
        for (Kind k : chosen) {
            dispatcher.subscribe(k.subject());
            subjects.add(k.subject());
        }
        // The broker has the subscriptions once this returns: nothing published after it is missed.
        connection.flush(Duration.ofSeconds(5));
        return subjects;
    }

    /** Waits until the limit is reached (forever without one). */
    public boolean await(Duration timeout) throws InterruptedException {
        return remaining.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        if (dispatcher != null) {
            connection.closeDispatcher(dispatcher);
        }
    }
}
