package dev.kiamms.mail.delivery;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Set;

/**
 * Where mail goes when no MTA is configured: one {@code .eml} file per message (RFC 5322, as it
 * would have been sent, Bcc header included since the file is the only record of the envelope),
 * named {@code <yyyyMMdd-HHmmss.SSS>-<reqid>.eml} in UTC. The directory is created owner-only
 * (0700), each file is owner-only (0600) and appears whole: written to a temporary file, forced to
 * disk, then renamed.
 */
final class Outbox {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss.SSS");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");

    private final Path dir;
    /** Choosing a free name and renaming onto it happen under this lock, so no file is replaced. */
    private final Object nameLock = new Object();

    Outbox(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    Path dir() {
        return dir;
    }

    Path write(String reqid, MimeMessage message) throws IOException, MessagingException {
        ensureDir();
        Path tmp = POSIX
                ? Files.createTempFile(dir, ".part-", ".tmp", PosixFilePermissions.asFileAttribute(FILE_PERMS))
                : Files.createTempFile(dir, ".part-", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream out = Channels.newOutputStream(ch)) {
                message.writeTo(out);
                out.flush();
                ch.force(true);
            }
            String base = ZonedDateTime.now(ZoneOffset.UTC).format(STAMP) + "-" + safe(reqid);
            synchronized (nameLock) {
                Path target = dir.resolve(base + ".eml");
                for (int i = 1; Files.exists(target); i++) {
                    target = dir.resolve(base + "-" + i + ".eml");
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                return target;
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void ensureDir() throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            FileAttribute<?>[] attrs = POSIX
                    ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(DIR_PERMS)}
                    : new FileAttribute<?>[0];
            Files.createDirectory(dir, attrs);
            if (POSIX) {
                Files.setPosixFilePermissions(dir, DIR_PERMS); // exactly 0700, whatever the umask
            }
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        } catch (AccessDeniedException e) {
            throw new IOException("cannot create the outbox directory " + dir + ": permission denied", e);
        }
    }

    /** The request id as a file-name part: letters, digits, '.', '_' and '-' only, at most 64 characters. */
    static String safe(String reqid) {
        if (reqid == null || reqid.isEmpty()) {
            return "noreqid";
        }
        StringBuilder b = new StringBuilder(Math.min(reqid.length(), 64));
        for (int i = 0; i < reqid.length() && b.length() < 64; i++) {
            char c = reqid.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-' || (c == '.' && b.length() > 0);
            b.append(ok ? c : '_');
        }
        return b.toString();
    }
}
