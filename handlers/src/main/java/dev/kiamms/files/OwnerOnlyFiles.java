package dev.kiamms.files;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates directories and files that only their owner can read. Files are born with their final
 * permissions (never written first and restricted after) and replaced atomically, so a secret is
 * never readable by others, not even for a moment, and a reader never sees half a file.
 */
public final class OwnerOnlyFiles {

    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");

    private OwnerOnlyFiles() {
    }

    public static Path directory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
        return dir;
    }

    public static void write(Path file, byte[] content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        FileAttribute<Set<PosixFilePermission>> perms = PosixFilePermissions.asFileAttribute(FILE);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", perms);
        try {
            Files.write(tmp, content);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * As {@link #write}, and on disk before it returns: the data and the rename are flushed
     * (fsync), so the file survives an OS crash or power loss once this returns.
     */
    public static void writeDurably(Path file, byte[] content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        FileAttribute<Set<PosixFilePermission>> perms = PosixFilePermissions.asFileAttribute(FILE);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", perms);
        try {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    ch.write(buffer);
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try (java.nio.channels.FileChannel d = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
                d.force(true); // the rename itself
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** @throws IOException saying how to fix it when others than the owner may read a file that holds secrets */
    public static void requireOwnerOnly(Path file, String holds) throws IOException {
        if (!isOwnerOnly(file)) {
            throw new IOException(file + " holds " + holds + " but others may read it; run: chmod 600 " + file);
        }
    }

    public static boolean isOwnerOnly(Path file) throws IOException {
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
        return p.stream().noneMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"));
    }
}
