package dev.kiamms.app.service;

import dev.kiamms.files.OwnerOnlyFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * An exclusive lock on the data directory, held while an appliance runs. The operating system
 * releases it when the process dies, even by {@code kill -9}, so unlike a pid file it can never
 * be stale or name a reused pid.
 */
public final class InstanceLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private InstanceLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** @return the lock, or empty when another appliance holds it */
    public static Optional<InstanceLock> tryAcquire(Path lockFile) throws IOException {
        OwnerOnlyFiles.directory(lockFile.getParent());
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return Optional.of(new InstanceLock(channel, lock));
            }
        } catch (OverlappingFileLockException heldInThisJvm) {
            // another appliance in this same process holds it
        }
        channel.close();
        return Optional.empty();
    }

    /** Whether an appliance holds the lock now. */
    public static boolean isHeld(Path lockFile) {
        if (!Files.exists(lockFile)) {
            return false;
        }
        try {
            Optional<InstanceLock> probe = tryAcquire(lockFile);
            probe.ifPresent(InstanceLock::close);
            return probe.isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // closing the channel releases the lock in any case
        }
    }
}
