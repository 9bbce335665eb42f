package dev.kiamms.app.geoip;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Just enough of tar to take one file out of MaxMind's download: 512-byte headers (ustar name and
 * prefix, octal size), regular files only, no pax or GNU long names.
 */
public final class TarGz {

    private static final int BLOCK = 512;

    private TarGz() {
    }

    /**
     * Writes the single regular file whose name ends with {@code suffix} to {@code target}
     * (streamed: the file may be larger than the heap).
     *
     * @return its name in the archive
     * @throws IOException when there is none, more than one, or the archive is damaged
     */
    public static String extractSingle(InputStream gzipped, String suffix, Path target) throws IOException {
        InputStream in = new GZIPInputStream(gzipped, 65536);
        byte[] header = new byte[BLOCK];
        String found = null;
        while (true) {
            if (!readBlock(in, header)) {
                break; // end of the stream without the two zero blocks: accept
            }
            if (isZero(header)) {
                break;
            }
            String name = string(header, 0, 100);
            String prefix = string(header, 345, 155);
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
            long size = octal(header, 124, 12);
            byte type = header[156];
            boolean regular = type == '0' || type == 0;
            if (regular && name.endsWith(suffix)) {
                if (found != null) {
                    throw new IOException("the archive holds more than one " + suffix + " file: " + found + ", " + name);
                }
                try (OutputStream out = Files.newOutputStream(target)) {
                    copy(in, out, size, name);
                }
                found = name;
                skip(in, padding(size));
            } else {
                skip(in, size + padding(size));
            }
        }
        if (found == null) {
            throw new IOException("the archive holds no " + suffix + " file");
        }
        return found;
    }

    private static void copy(InputStream in, OutputStream out, long size, String name) throws IOException {
        byte[] buffer = new byte[65536];
        long left = size;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new EOFException("the archive ends inside " + name);
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    private static long padding(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private static boolean readBlock(InputStream in, byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        if (n != BLOCK) {
            throw new EOFException("the archive ends inside a tar header");
        }
        return true;
    }

    private static void skip(InputStream in, long n) throws IOException {
        while (n > 0) {
            long skipped = in.skip(n);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("the archive ends early");
                }
                skipped = 1;
            }
            n -= skipped;
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String string(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len) throws IOException {
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && (b[i] == ' ' || b[i] == 0)) {
            i++;
        }
        for (; i < end && b[i] >= '0' && b[i] <= '7'; i++) {
            v = v * 8 + (b[i] - '0');
        }
        if ((b[off] & 0x80) != 0) {
            throw new IOException("tar header with a base-256 size is not supported");
        }
        return v;
    }
}
