package dev.kiamms.app.broker;

import dev.kiamms.app.KiamMsException;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.logging.Logger;

/**
 * Keeps the managed nats-server running: when it dies (a crash, {@code kill -9}) it is started
 * again with the same configuration and port, at once the first time and then with growing
 * pauses. When it dies too often in a short time the supervisor gives up and says so, because a
 * broker that cannot stay up needs a person. Clients (ours and KrossIAM's) reconnect by themselves.
 */
public final class BrokerSupervisor {

    private static final Logger LOG = Logger.getLogger("kiamms.broker");

    /**
     * @param maxFailures how many exits within {@code window} are tolerated; one more and it gives up
     */
    public record RestartPolicy(int maxFailures, Duration window) {
        public static final RestartPolicy DEFAULT = new RestartPolicy(5, Duration.ofSeconds(60));

        /** Pause before the n-th restart (1-based) in a row: 0, 0.25, 0.5, 1, 2 ... 30 s. */
        Duration pause(int n) {
            return n <= 1 ? Duration.ZERO : Duration.ofMillis(Math.min(30_000L, 250L << Math.min(n - 2, 7)));
        }
    }

    private final ManagedBroker broker;
    private final RestartPolicy policy;
    private final Duration startTimeout;
    private final LongConsumer onRestarted;
    private final Runnable onGiveUp;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kiam-ms-broker-supervisor");
        t.setDaemon(true);
        return t;
    });
    private final Deque<Long> recentExits = new ArrayDeque<>();
    private final AtomicInteger restarts = new AtomicInteger();
    private int failuresInARow;
    private boolean stopping;

    /**
     * @param onRestarted called with the new nats-server pid after each restart
     * @param onGiveUp    called once when the supervisor stops trying
     */
    public BrokerSupervisor(ManagedBroker broker, RestartPolicy policy, Duration startTimeout, LongConsumer onRestarted,
                            Runnable onGiveUp) {
        this.broker = broker;
        this.policy = policy;
        this.startTimeout = startTimeout;
        this.onRestarted = onRestarted;
        this.onGiveUp = onGiveUp;
    }

    /** Starts nats-server (failing with one line if it cannot) and watches it from then on. */
    public void start() {
        broker.start(startTimeout);
        watch();
    }

    public int restarts() {
        return restarts.get();
    }

    public ManagedBroker broker() {
        return broker;
    }

    /** Stops watching, then stops nats-server. */
    public void stop(Duration grace) {
        synchronized (this) {
            stopping = true;
        }
        scheduler.shutdownNow();
        broker.stop(grace);
    }

    private void watch() {
        long pid = broker.process().map(ProcessHandle::pid).orElse(-1L);
        broker.onExit().thenRun(() -> exited(pid));
    }

    private synchronized void exited(long pid) {
        if (stopping) {
            return;
        }
        long now = System.nanoTime();
        recentExits.addLast(now);
        while (!recentExits.isEmpty() && now - recentExits.peekFirst() > policy.window().toNanos()) {
            recentExits.removeFirst();
        }
        if (recentExits.size() > policy.maxFailures()) {
            stopping = true;
            LOG.severe(() -> "nats-server exited " + recentExits.size() + " times within " + policy.window().toSeconds()
                    + " s; giving up. Read " + broker.logFile() + " for why it dies, fix that, then start kiam-ms again");
            // Not on the scheduler's thread: giving up stops the appliance, which shuts the scheduler down.
            Thread t = new Thread(onGiveUp, "kiam-ms-give-up");
            t.start();
            return;
        }
        failuresInARow++;
        Duration pause = policy.pause(failuresInARow);
        LOG.warning(() -> "nats-server pid " + pid + " exited unexpectedly; restarting it"
                + (pause.isZero() ? "" : " in " + pause.toMillis() + " ms") + " (see " + broker.logFile() + ")");
        scheduler.schedule(this::restart, pause.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void restart() {
        synchronized (this) {
            if (stopping) {
                return;
            }
        }
        try {
            broker.start(startTimeout);
        } catch (KiamMsException e) {
            LOG.warning(() -> "restarting nats-server failed: " + e.getMessage());
            exited(-1);
            return;
        }
        int n = restarts.incrementAndGet();
        long pid = broker.process().map(ProcessHandle::pid).orElse(-1L);
        LOG.info(() -> "nats-server restarted (pid " + pid + ", restart " + n + " since start)");
        watch();
        onRestarted.accept(pid);
        // A broker that stays up for the whole window is healthy again: pauses start from zero.
        scheduler.schedule(() -> {
            synchronized (this) {
                if (broker.process().map(ProcessHandle::pid).orElse(-2L) == pid) {
                    failuresInARow = 0;
                }
            }
        }, policy.window().toMillis(), TimeUnit.MILLISECONDS);
    }
}
