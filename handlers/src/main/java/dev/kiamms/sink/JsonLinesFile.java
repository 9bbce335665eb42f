package dev.kiamms.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;

import dev.kiamms.files.OwnerOnlyFiles;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An append-only file of JSON lines ({@code <dir>/<name>.jsonl}, one JSON value per line, UTF-8,
 * {@code '\n'}) with size-based rotation: when a line would take the file past {@code maxBytes},
 * {@code <name>.jsonl} becomes {@code <name>.1.jsonl}, {@code <name>.1.jsonl} becomes
 * {@code <name>.2.jsonl} and so on up to {@code <name>.<keep>.jsonl}; the oldest is deleted
 * (logrotate's numbering: the higher the number, the older the data).
 *
 * <p>A line is never split across files: it goes whole into the current file or whole into a
 * fresh one. A single line longer than {@code maxBytes} gets a file of its own.
 *
 * <p>The files may hold personal data (notices, log records), so files are created owner-only
 * ({@code 0600}) and a missing directory is created {@code 0700}, on file systems with POSIX
 * permissions. An existing directory keeps its permissions.
 *
 * <p>Every line is written with one write call and flushed at once, with no fsync: a crash of
 * kiam-ms loses nothing already appended, a crash of the machine may lose what the OS had not
 * written yet. A line torn by a crash or a failed write (disk full) is cut off again when the
 * file is next opened, so that the file stays parseable line by line.
 *
 * <p>Thread-safe: lines appended from several threads never interleave. {@link #append} never
 * throws for a failed write; it returns false and {@link #lastFailure()} says why, for the
 * caller's log line. After a failure the file is reopened on the next append.
 */
public final class JsonLinesFile implements AutoCloseable {

    public static final String SUFFIX = ".jsonl";
    public static final long MIN_MAX_BYTES = 4096;
    public static final int MAX_KEEP = 1000;

    private static final Logger LOG = Logger.getLogger("kiamms.sink");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern ENDS_IN_NUMBER = Pattern.compile(".*\\.[0-9]+");
    private static final ObjectWriter WRITER = JsonMapper.builder().build().writer();
    private static final int BUFFER = 64 * 1024;

    private final Path dir;
    private final String name;
    private final Path current;
    private final long maxBytes;
    private final int keep;
    private final Pattern rotatedName;

    // Guarded by this.
    private FileChannel channel;
    private OutputStream out;
    /** Bytes of whole lines in the current file. */
    private long size;
    private boolean closed;
    private boolean rotationFailing;
    private volatile String lastFailure;

    /**
     * Creates {@code dir} (0700) when missing and opens or creates {@code <dir>/<name>.jsonl}
     * (0600) for appending.
     *
     * @param name     the files' base name: letters, digits, {@code . _ -}, starting with a letter
     *                 or digit and not ending in {@code .<number>} (that would be a rotated name)
     * @param maxBytes the size a file may reach before it is rotated, at least 4096
     * @param keep     how many rotated files are kept besides the current one, 1 to 1000
     * @throws IllegalArgumentException naming the parameter that is out of range
     * @throws IOException              when the directory or the file cannot be created or opened
     */
    public JsonLinesFile(Path dir, String name, long maxBytes, int keep) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches() || ENDS_IN_NUMBER.matcher(name).matches()) {
            throw new IllegalArgumentException("name must be 1 to 100 letters, digits, '.', '_' or '-', start with a"
                    + " letter or digit and not end in .<number>: " + name);
        }
        if (maxBytes < MIN_MAX_BYTES) {
            throw new IllegalArgumentException("maxBytes must be at least " + MIN_MAX_BYTES + ": " + maxBytes);
        }
        if (keep < 1 || keep > MAX_KEEP) {
            throw new IllegalArgumentException("keep must be between 1 and " + MAX_KEEP + ": " + keep);
        }
        this.dir = dir.toAbsolutePath().normalize();
        this.name = name;
        this.current = this.dir.resolve(name + SUFFIX);
        this.maxBytes = maxBytes;
        this.keep = keep;
        this.rotatedName = Pattern.compile(Pattern.quote(name) + "\\.([0-9]{1,9})" + Pattern.quote(SUFFIX));
        OwnerOnlyFiles.directory(this.dir);
        synchronized (this) {
            open();
        }
    }

    /** The file being written, {@code <dir>/<name>.jsonl}. */
    public Path path() {
        return current;
    }

    /** The {@code n}-th rotated file, {@code <dir>/<name>.<n>.jsonl}; 1 is the newest. */
    public Path rotated(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1: " + n);
        }
        return dir.resolve(name + "." + n + SUFFIX);
    }

    public long maxBytes() {
        return maxBytes;
    }

    public int keep() {
        return keep;
    }

    /** Why the most recent failed append failed, or null when none has failed. */
    public String lastFailure() {
        return lastFailure;
    }

    /**
     * Appends a JSON value as one line, written compactly (Jackson escapes line breaks inside
     * strings, so the line is whole).
     *
     * @return false when it could not be written; {@link #lastFailure()} says why
     */
    public boolean append(JsonNode value) {
        if (value == null) {
            return fail("no JSON value given");
        }
        byte[] line;
        try {
            line = WRITER.writeValueAsBytes(value);
        } catch (JsonProcessingException | RuntimeException e) {
            return fail("cannot write the value as JSON: " + e.getMessage());
        }
        return append(line);
    }

    /**
     * Appends one line of already encoded JSON (UTF-8). The caller vouches that it is JSON; this
     * method only makes sure it is one line: a single trailing {@code \n} (or {@code \r\n}) is
     * dropped, a line break anywhere else refuses the line.
     *
     * @return false when the line was refused or could not be written; {@link #lastFailure()} says why
     */
    public boolean append(byte[] jsonLine) {
        if (jsonLine == null) {
            return fail("no line given");
        }
        int length = jsonLine.length;
        if (length > 0 && jsonLine[length - 1] == '\n') {
            length--;
            if (length > 0 && jsonLine[length - 1] == '\r') {
                length--;
            }
        }
        if (length == 0) {
            return fail("empty line");
        }
        for (int i = 0; i < length; i++) {
            if (jsonLine[i] == '\n' || jsonLine[i] == '\r') {
                return fail("the value contains a line break at byte " + i + "; it would not be one line");
            }
        }
        return write(jsonLine, length);
    }

    private synchronized boolean write(byte[] line, int length) {
        if (closed) {
            return fail(current + " is closed");
        }
        try {
            if (out == null) {
                open();
            }
            if (size > 0 && size + length + 1 > maxBytes) {
                rotate();
            }
            out.write(line, 0, length);
            out.write('\n');
            out.flush();
            size += length + 1;
            return true;
        } catch (IOException | RuntimeException e) {
            // Whatever is left in the buffer is part of a torn line: drop it with the stream
            // (closing the channel, not the buffered stream, so it is not flushed) and cut the
            // file back to its last whole line when it is reopened.
            discard();
            return fail("cannot write to " + current + ": " + e);
        }
    }

    /** Opens the current file, creating it 0600, and cuts off a torn last line. Guarded by this. */
    private void open() throws IOException {
        FileChannel ch = OwnerOnlyFiles.openForWriting(current);
        try {
            tighten(current);
            long length = ch.size();
            long whole = wholeLines(ch, length);
            if (whole < length) {
                ch.truncate(whole);
                long dropped = length - whole;
                LOG.warning(() -> current + ": cut off " + dropped + " bytes of a line torn by an earlier crash or failed write");
            }
            ch.position(whole);
            this.size = whole;
            this.channel = ch;
            this.out = new BufferedOutputStream(Channels.newOutputStream(ch), BUFFER);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** Owner-only, also for a file created by something else or before a restart; writing goes on if it cannot be. */
    private void tighten(Path file) {
        try {
            OwnerOnlyFiles.tighten(file);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warning(() -> "cannot make " + file + " owner-only: " + e);
        }
    }

    /** The length of the file up to and including its last '\n' (0 when it has none). */
    private static long wholeLines(FileChannel ch, long length) throws IOException {
        if (length == 0) {
            return 0;
        }
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(8192, length));
        long end = length;
        while (end > 0) {
            int n = (int) Math.min(buf.capacity(), end);
            long start = end - n;
            buf.clear().limit(n);
            while (buf.hasRemaining()) {
                if (ch.read(buf, start + buf.position()) < 0) {
                    throw new IOException("file shrank while being read");
                }
            }
            for (int i = n - 1; i >= 0; i--) {
                if (buf.get(i) == '\n') {
                    return start + i + 1;
                }
            }
            end = start;
        }
        return 0;
    }

    /**
     * Shifts every file up by one, deletes what would become number keep+1 and starts an empty
     * current file. When the current file cannot be moved aside, writing goes on in it (better a
     * file over its size than lost lines) and the rotation is tried again at the next line.
     * Guarded by this.
     */
    private void rotate() throws IOException {
        out.flush();
        closeQuietly(channel);
        channel = null;
        out = null;
        try {
            deleteBeyondRetention();
            for (int n = keep - 1; n >= 1; n--) {
                Path from = rotated(n);
                if (Files.exists(from)) {
                    move(from, rotated(n + 1));
                }
            }
            move(current, rotated(1));
            if (rotationFailing) {
                rotationFailing = false;
                LOG.info(() -> current + " rotated again");
            }
        } catch (IOException e) {
            if (!rotationFailing) {
                rotationFailing = true;
                LOG.warning(() -> "cannot rotate " + current + " (" + e + "); writing on past " + maxBytes + " bytes");
            }
        }
        open();
    }

    /** Deletes number keep and any higher number left by an earlier configuration with a larger keep. */
    private void deleteBeyondRetention() throws IOException {
        Files.deleteIfExists(rotated(keep));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, name + ".*" + SUFFIX)) {
            for (Path file : files) {
                Matcher m = rotatedName.matcher(file.getFileName().toString());
                if (m.matches() && Integer.parseInt(m.group(1)) > keep) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void discard() {
        closeQuietly(channel);
        channel = null;
        out = null;
    }

    private boolean fail(String reason) {
        lastFailure = reason;
        return false;
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Nothing left to save: every whole line was flushed already.
            }
        }
    }

    /** Flushes and closes the file; later appends return false. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        OutputStream o = out;
        FileChannel ch = channel;
        out = null;
        channel = null;
        if (o != null) {
            try {
                o.flush();
            } finally {
                ch.close();
            }
        }
    }

    @Override
    public String toString() {
        return "JsonLinesFile[" + current + ", maxBytes=" + maxBytes + ", keep=" + keep + "]";
    }
}
