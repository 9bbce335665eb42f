package dev.kiamms.mail.delivery;

import dev.kiamms.files.OwnerOnlyFiles;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Where mail goes when no MTA is configured: one {@code .eml} file per message (RFC 5322, as it
 * would have been sent, Bcc header included since the file is the only record of the envelope),
 * named {@code <yyyyMMdd-HHmmss.SSS>-<reqid>.eml} in UTC. The directory is owner-only (0700), each
 * file is owner-only (0600) and appears whole: written to a temporary file, forced to disk, then
 * renamed. {@link #write} returns once the file and its name are on disk: the data by one fsync
 * per file (writers run theirs at the same time, which the file system commits together), the
 * rename by an fsync of the directory that {@link DirectorySync} shares among the writers
 * waiting for it.
 */
final class Outbox {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss.SSS");

    private final Path dir;
    private final DirectorySync directorySync;
    /** Choosing a free name and renaming onto it happen under this lock, so no file is replaced. */
    private final Object nameLock = new Object();

    Outbox(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
        this.directorySync = new DirectorySync(this.dir);
    }

    Path dir() {
        return dir;
    }

    Path write(String reqid, MimeMessage message) throws IOException, MessagingException {
        ensureDir();
        // A random name: one from a pid and a counter collides with a part a killed process left behind.
        Path tmp = OwnerOnlyFiles.createTemp(dir, ".part-", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                // Buffered: MimeMessage writes line by line, which unbuffered is a system call per line.
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 32 * 1024);
                message.writeTo(out);
                out.flush();
                ch.force(true);
            }
            String base = ZonedDateTime.now(ZoneOffset.UTC).format(STAMP) + "-" + safe(reqid);
            Path target;
            synchronized (nameLock) {
                target = dir.resolve(base + ".eml");
                for (int i = 1; Files.exists(target); i++) {
                    target = dir.resolve(base + "-" + i + ".eml");
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            directorySync.sync();
            return target;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void ensureDir() throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            OwnerOnlyFiles.directory(dir);
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
