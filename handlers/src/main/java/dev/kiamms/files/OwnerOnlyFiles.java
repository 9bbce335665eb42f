package dev.kiamms.files;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The one way the appliance creates and replaces its files: only their owner can read them.
 * Files are born with their final permissions (never written first and restricted after) and
 * replaced atomically, so a secret is never readable by others, not even for a moment, and a
 * reader never sees half a file. {@link #writeDurably} also survives a crash. On a file system
 * without POSIX permissions the files are written the same way, without a mode.
 */
public final class OwnerOnlyFiles {

    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");

    private OwnerOnlyFiles() {
    }

    /** Creates the folder, and any missing folder above it, 0700 unless it exists. */
    public static Path directory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Path absolute = dir.toAbsolutePath();
        Path existing = absolute.getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            Files.createDirectories(dir, mode(existing, DIR));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
        return dir;
    }

    /** Replaces the file atomically with the content (a plain rename where the file system has no atomic one). */
    public static void write(Path file, byte[] content) throws IOException {
        replaceWith(file, content, false);
    }

    /**
     * As {@link #write}, and on disk before it returns: the data and the rename are flushed
     * (fsync), so the file survives an OS crash or power loss once this returns. Refuses a file
     * system that cannot rename atomically.
     */
    public static void writeDurably(Path file, byte[] content) throws IOException {
        replaceWith(file, content, true);
    }

    private static void replaceWith(Path file, byte[] content, boolean durably) throws IOException {
        Path tmp = temporary(file);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    ch.write(buffer);
                }
                if (durably) {
                    ch.force(true);
                }
            }
            if (durably) {
                replace(tmp, file);
                syncDirectory(file.toAbsolutePath().getParent()); // the rename itself
            } else {
                try {
                    replace(tmp, file);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Creates the file with the content; fails with {@link FileAlreadyExistsException} when it exists. */
    public static void createNew(Path file, byte[] content) throws IOException {
        Files.write(Files.createFile(file, mode(file.toAbsolutePath().getParent(), FILE)), content);
    }

    /**
     * An empty owner-only file in {@code dir} with a unique name, to be filled and then moved over
     * its target with {@link #replace} (same folder, so the rename is atomic).
     */
    public static Path createTemp(Path dir, String prefix, String suffix) throws IOException {
        return Files.createTempFile(dir, prefix, suffix, mode(dir, FILE));
    }

    /** Moves a prepared file over the target in one step; refuses where the file system cannot do that atomically. */
    public static void replace(Path prepared, Path target) throws IOException {
        Files.move(prepared, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Opens a file for reading and writing at any position, creating it owner-only when it does
     * not exist. An existing file keeps its mode: call {@link #tighten} for that.
     */
    public static FileChannel openForWriting(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        try {
            return FileChannel.open(file, Set.<OpenOption>of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    StandardOpenOption.READ), mode(dir, FILE));
        } catch (FileAlreadyExistsException exists) {
            return FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
        }
    }

    /** Makes an existing file owner-only, for one created by something else or by an older version. */
    public static void tighten(Path file) throws IOException {
        if (!posix(file)) {
            return;
        }
        if (!FILE.containsAll(Files.getPosixFilePermissions(file))) {
            Files.setPosixFilePermissions(file, FILE);
        }
    }

    /** @throws IOException saying how to fix it when others than the owner may read a file that holds secrets */
    public static void requireOwnerOnly(Path file, String holds) throws IOException {
        if (!isOwnerOnly(file)) {
            throw new IOException(file + " holds " + holds + " but others may read it; run: chmod 600 " + file);
        }
    }

    public static boolean isOwnerOnly(Path file) throws IOException {
        if (!posix(file)) {
            return true;
        }
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
        return p.stream().noneMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"));
    }

    private static Path temporary(Path file) throws IOException {
        return createTemp(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp");
    }

    /** Forces a directory's entries to disk (fsync), so that a file created or renamed in it keeps its name after a crash. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (ClosedByInterruptException e) {
            throw new InterruptedIOException("interrupted while forcing " + dir + " to disk");
        }
    }

    private static FileAttribute<?>[] mode(Path dir, Set<PosixFilePermission> permissions) {
        return dir != null && posix(dir)
                ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(permissions)}
                : new FileAttribute<?>[0];
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
