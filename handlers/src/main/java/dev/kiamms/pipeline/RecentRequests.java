package dev.kiamms.pipeline;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The reqids handled recently, so that a message delivered twice is not acted on twice: a repeated
 * action gets the first reply again, a repeated audit is not handled again. Thread-safe.
 *
 * <p>For actions, {@link #answerOnce} lets the first copy of a reqid compute the encoded reply;
 * copies arriving while it runs wait for it (up to {@code maxWait}); copies arriving later, within
 * the window, get the stored bytes. The computation says whether its reply may be reused: a refusal
 * or a failure should not be, and a computation that throws never is, so the next copy runs again.
 * For events, {@link #claim} tells the first copy from a copy of one handled or still running;
 * the first copy then reports {@link #handled} or, to have a redelivery handled, {@link #forget}.
 * {@link #firstTime} is the simple form that counts an event as handled as soon as it is claimed.
 *
 * <p>A reqid is remembered for {@code window} after its reply was stored or its event handled; a
 * claim or computation not finished within {@code window} of its start lapses (a later copy may
 * run), so the window must be longer than the slowest handler. At most {@code maxEntries} reqids
 * are remembered: past that the oldest is dropped. There is no background thread: each insertion
 * drops what has expired or is over the bound, oldest first, in amortized O(1). A window of zero disables the whole thing: every
 * computation runs, every event is a first time. A null or blank reqid is never remembered.
 *
 * <p>Expiry uses the nanosecond clock given to the constructor (a fake one in tests); waiting for a
 * concurrent copy uses real time. Use one instance for actions and another for events.
 */
public final class RecentRequests {

    /** What {@link #answerOnce} did. */
    public sealed interface Answer permits Ran, Repeated, StillRunning {
    }

    /**
     * This caller ran the computation.
     *
     * @param stored whether later copies of the reqid will get these bytes
     */
    public record Ran(byte[] reply, boolean stored) implements Answer {
    }

    /** A duplicate: the reply of the first copy, shared with every other caller (do not modify it). */
    public record Repeated(byte[] reply) implements Answer {
    }

    /**
     * A duplicate whose first copy was still running after {@code maxWait} (or this thread was
     * interrupted while waiting; its interrupt flag is set again). Nothing ran; the caller decides.
     */
    public record StillRunning() implements Answer {
        static final StillRunning INSTANCE = new StillRunning();
    }

    /**
     * What a computation produced.
     *
     * @param reusable true when later copies of the reqid should get {@code reply} instead of running again
     */
    public record Computed(byte[] reply, boolean reusable) {
        public Computed {
            Objects.requireNonNull(reply, "reply");
        }

        /** A reply later copies of the reqid get again (the action was carried out). */
        public static Computed reuse(byte[] reply) {
            return new Computed(reply, true);
        }

        /** A reply for this caller only (a refusal, a failure): the next copy runs again. */
        public static Computed once(byte[] reply) {
            return new Computed(reply, false);
        }
    }

    /** What {@link #claim} found. */
    public enum Claim {
        /** The first copy within the window: handle it, then call {@link #handled} or {@link #forget}. */
        FIRST,
        /** A copy of a message already handled: do not handle it again. */
        DONE,
        /** A copy of a message whose first copy is still being handled: its outcome decides. */
        RUNNING
    }

    /** How long {@link #RecentRequests(Duration, int)} lets a concurrent copy wait: KrossIAM's request timeout. */
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(60);

    private static final int PENDING = 0;
    private static final int DONE = 1;
    /** Removed from the map (failed, forgotten, replaced); its queue node is a tombstone. */
    private static final int GONE = 2;
    /** Windows beyond this (146 years) are clamped, so that nanosecond arithmetic cannot overflow. */
    private static final long MAX_WINDOW_NANOS = 1L << 62;

    private static final class Entry {
        final String key;
        /**
         * Written last, under the entry's monitor; reading it first makes {@code reply} visible.
         * Once DONE, {@code reply} never changes: a reader that saw DONE may still be using it.
         */
        volatile int state;
        byte[] reply;
        /** DONE: when it is forgotten; PENDING: when the claim lapses. */
        volatile long expiresAt;

        Entry(String key, int state, long expiresAt) {
            this.key = key;
            this.expiresAt = expiresAt;
            this.state = state;
        }
    }

    private final boolean enabled;
    private final Duration window;
    private final long windowNanos;
    private final int maxEntries;
    private final long maxWaitNanos;
    private final LongSupplier nanoClock;

    private final ConcurrentHashMap<String, Entry> byReqid;
    /** Every entry ever inserted and not yet swept, oldest first; removed ones stay as tombstones. */
    private final ConcurrentLinkedQueue<Entry> order = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean sweeping = new AtomicBoolean();

    private final LongAdder hits = new LongAdder();
    private final LongAdder stillRunning = new LongAdder();

    /** With {@link #DEFAULT_MAX_WAIT} and {@link System#nanoTime()}. */
    public RecentRequests(Duration window, int maxEntries) {
        this(window, maxEntries, DEFAULT_MAX_WAIT, System::nanoTime);
    }

    /**
     * @param window     how long a handled reqid is remembered; zero disables duplicate suppression
     * @param maxEntries how many reqids are remembered at most (the oldest goes first); at least 1 unless disabled
     * @param maxWait    how long a concurrent copy of an action waits for the first copy's reply
     * @param nanoClock  a monotonic time in nanoseconds, {@code System::nanoTime} outside tests
     */
    public RecentRequests(Duration window, int maxEntries, Duration maxWait, LongSupplier nanoClock) {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(maxWait, "maxWait");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        if (window.isNegative()) {
            throw new IllegalArgumentException("window must not be negative: " + window);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative: " + maxWait);
        }
        this.enabled = !window.isZero();
        if (enabled && maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1: " + maxEntries);
        }
        this.window = window;
        this.windowNanos = saturatedNanos(window, MAX_WINDOW_NANOS);
        this.maxEntries = maxEntries;
        this.maxWaitNanos = saturatedNanos(maxWait, Long.MAX_VALUE / 4);
        this.byReqid = new ConcurrentHashMap<>(enabled ? Math.min(maxEntries, 1024) : 1);
    }

    /** Remembers nothing: every computation runs, every event is a first time. */
    public static RecentRequests disabled() {
        return new RecentRequests(Duration.ZERO, 0, Duration.ZERO, System::nanoTime);
    }

    public boolean enabled() {
        return enabled;
    }

    public Duration window() {
        return window;
    }

    public int maxEntries() {
        return maxEntries;
    }

    /**
     * Runs {@code compute} for the first copy of {@code reqid}, or answers a copy with the first
     * one's reply. A null or blank reqid, or a disabled instance, always runs it. When it throws,
     * nothing is remembered and the exception propagates; copies waiting for it retry.
     */
    public Answer answerOnce(String reqid, Supplier<Computed> compute) {
        Objects.requireNonNull(compute, "compute");
        if (!enabled || reqid == null || reqid.isBlank()) {
            Computed computed = Objects.requireNonNull(compute.get(), "compute returned null");
            return new Ran(computed.reply(), false);
        }
        Entry mine = null;
        long waitDeadline = 0;
        boolean waiting = false;
        for (;;) {
            Entry existing = byReqid.get(reqid);
            if (existing == null) {
                if (mine == null) {
                    mine = new Entry(reqid, PENDING, nanoClock.getAsLong() + windowNanos);
                }
                existing = byReqid.putIfAbsent(reqid, mine);
                if (existing == null) {
                    admit(mine);
                    return run(mine, compute);
                }
            }
            int state = existing.state;
            if (state == DONE) {
                if (nanoClock.getAsLong() - existing.expiresAt < 0) {
                    hits.increment();
                    return new Repeated(existing.reply);
                }
                if (mine == null) {
                    mine = new Entry(reqid, PENDING, nanoClock.getAsLong() + windowNanos);
                }
                if (byReqid.replace(reqid, existing, mine)) {
                    retire(existing);
                    admit(mine);
                    return run(mine, compute);
                }
            } else if (state == GONE) {
                byReqid.remove(reqid, existing);
            } else {
                if (!waiting) {
                    waiting = true;
                    waitDeadline = System.nanoTime() + maxWaitNanos;
                }
                if (!awaitDone(existing, waitDeadline)) {
                    stillRunning.increment();
                    return StillRunning.INSTANCE;
                }
            }
        }
    }

    /**
     * Claims an event's reqid. {@link Claim#FIRST} for the first copy within the window, and then
     * the caller must report {@link #handled} or {@link #forget}; a claim never reported lapses
     * after the window. {@link Claim#DONE} or {@link Claim#RUNNING} for a duplicate (counted as a
     * hit). A null or blank reqid, or a disabled instance, is always {@link Claim#FIRST}.
     */
    public Claim claim(String reqid) {
        return claim(reqid, PENDING);
    }

    /**
     * The simple form of {@link #claim}: true for the first copy, which counts as handled at once
     * (call {@link #forget} if it fails); false for a duplicate.
     */
    public boolean firstTime(String reqid) {
        return claim(reqid, DONE) == Claim.FIRST;
    }

    /**
     * Marks a claimed reqid as handled: copies within the window from now are {@link Claim#DONE}.
     * Also right for a failure that must not be retried (a mail that may have gone out).
     */
    public void handled(String reqid) {
        if (!enabled || reqid == null || reqid.isBlank()) {
            return;
        }
        long expiresAt = nanoClock.getAsLong() + windowNanos;
        Entry mine = null;
        for (;;) {
            Entry existing = byReqid.get(reqid);
            if (existing == null) {
                // Dropped for the bound (or lapsed) while it ran: remember it again.
                if (mine == null) {
                    mine = new Entry(reqid, DONE, expiresAt);
                }
                if (byReqid.putIfAbsent(reqid, mine) == null) {
                    admit(mine);
                    return;
                }
                continue;
            }
            int state = existing.state;
            if (state == PENDING) {
                synchronized (existing) {
                    if (existing.state == PENDING) {
                        existing.expiresAt = expiresAt;
                        existing.state = DONE;
                        existing.notifyAll();
                        return;
                    }
                }
            } else if (state == GONE) {
                byReqid.remove(reqid, existing);
            } else {
                return;
            }
        }
    }

    private Claim claim(String reqid, int initialState) {
        if (!enabled || reqid == null || reqid.isBlank()) {
            return Claim.FIRST;
        }
        long now = nanoClock.getAsLong();
        Entry mine = null;
        for (;;) {
            Entry existing = byReqid.get(reqid);
            if (existing == null) {
                if (mine == null) {
                    mine = new Entry(reqid, initialState, now + windowNanos);
                }
                existing = byReqid.putIfAbsent(reqid, mine);
                if (existing == null) {
                    admit(mine);
                    return Claim.FIRST;
                }
            }
            int state = existing.state;
            if (state == GONE) {
                byReqid.remove(reqid, existing);
            } else if (now - existing.expiresAt >= 0) {
                // Handled longer ago than the window, or a claim that lapsed.
                if (mine == null) {
                    mine = new Entry(reqid, initialState, now + windowNanos);
                }
                if (byReqid.replace(reqid, existing, mine)) {
                    retire(existing);
                    admit(mine);
                    return Claim.FIRST;
                }
            } else {
                hits.increment();
                return state == DONE ? Claim.DONE : Claim.RUNNING;
            }
        }
    }

    /** Drops a reqid, so that its next copy is handled (or computed) again. */
    public void forget(String reqid) {
        if (!enabled || reqid == null) {
            return;
        }
        Entry removed = byReqid.remove(reqid);
        if (removed != null) {
            retire(removed);
        }
    }

    /** Duplicates suppressed so far: repeated replies and events not handled again. */
    public long hits() {
        return hits.sum();
    }

    /** Duplicates that gave up waiting for their first copy ({@link StillRunning}). */
    public long stillRunning() {
        return stillRunning.sum();
    }

    /** Reqids remembered now, including those running and those expired but not yet swept. */
    public int size() {
        return byReqid.size();
    }

    private Answer run(Entry mine, Supplier<Computed> compute) {
        Computed computed = null;
        try {
            computed = Objects.requireNonNull(compute.get(), "compute returned null");
        } finally {
            if (computed != null && computed.reusable()) {
                finish(mine, DONE, computed.reply(), nanoClock.getAsLong() + windowNanos);
            } else {
                // Out of the map first: a waiter woken by retire() must not find this entry again.
                byReqid.remove(mine.key, mine);
                retire(mine);
            }
        }
        return new Ran(computed.reply(), computed.reusable());
    }

    private static void finish(Entry entry, int state, byte[] reply, long expiresAt) {
        synchronized (entry) {
            if (entry.state == DONE) {
                return; // marked handled() meanwhile: its reply (none) is what readers saw
            }
            entry.reply = reply;
            entry.expiresAt = expiresAt;
            entry.state = state;
            entry.notifyAll();
        }
    }

    /** Marks an entry no longer in the map, waking its waiters; its reply stays for readers that saw it DONE. */
    private static void retire(Entry entry) {
        synchronized (entry) {
            entry.state = GONE;
            entry.notifyAll();
        }
    }

    /** @return false when the deadline passed (or the thread was interrupted) with the entry still pending */
    private static boolean awaitDone(Entry entry, long deadline) {
        if (entry.state != PENDING) {
            return true;
        }
        synchronized (entry) {
            while (entry.state == PENDING) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(entry, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    private void admit(Entry entry) {
        order.offer(entry);
        queued.incrementAndGet();
        sweep();
    }

    /**
     * Drops, oldest first, the entries over the bound and those gone or expired. One thread sweeps
     * at a time (the single poller, so peek-then-poll is safe); the others skip it, which lets the
     * count run over the bound by at most the number of threads inserting at that moment.
     */
    private void sweep() {
        if (!sweeping.compareAndSet(false, true)) {
            return;
        }
        try {
            long now = nanoClock.getAsLong();
            for (Entry head; (head = order.peek()) != null; ) {
                if (queued.get() <= maxEntries) {
                    boolean stale = head.state == GONE || now - head.expiresAt >= 0;
                    if (!stale) {
                        break;
                    }
                }
                order.poll();
                queued.decrementAndGet();
                // A pending entry dropped still completes for those waiting on it.
                byReqid.remove(head.key, head);
            }
        } finally {
            sweeping.set(false);
        }
    }

    private static long saturatedNanos(Duration d, long max) {
        try {
            return Math.min(d.toNanos(), max);
        } catch (ArithmeticException e) {
            return max;
        }
    }
}
