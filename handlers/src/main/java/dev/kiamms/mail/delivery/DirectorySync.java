package dev.kiamms.mail.delivery;

import dev.kiamms.files.OwnerOnlyFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit for renames into one directory: {@link #sync} returns once an fsync of the
 * directory has started after the caller's rename, so the new name survives a crash. Callers that
 * arrive while an fsync runs wait for the next one and share it, so N writers at once cost about
 * two directory fsyncs instead of N.
 */
final class DirectorySync {

    private final Path dir;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition done = lock.newCondition();
    /** Callers so far, numbered; an fsync started after caller n's arrival covers caller n. */
    private long arrived;
    /** Every caller up to this number is covered by a finished fsync. */
    private long covered;
    private boolean running;

    DirectorySync(Path dir) {
        this.dir = dir;
    }

    /** Makes every rename this thread did in the directory durable. */
    void sync() throws IOException {
        lock.lock();
        try {
            long me = ++arrived;
            while (covered < me) {
                if (running) {
                    done.awaitUninterruptibly();
                    continue;
                }
                // Lead: one fsync for everyone who has arrived by now.
                running = true;
                long upTo = arrived;
                boolean ok = false;
                lock.unlock();
                try {
                    OwnerOnlyFiles.syncDirectory(dir);
                    ok = true;
                } finally {
                    lock.lock();
                    running = false;
                    if (ok) {
                        covered = Math.max(covered, upTo);
                    }
                    // On failure the waiters wake and one of them tries itself, so each caller sees its own error.
                    done.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
