package dev.kiamms.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class JsonLinesFileTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAME = "notice";

    @TempDir
    Path dir;

    private static ObjectNode seq(int n) {
        ObjectNode o = JSON.createObjectNode();
        o.put("seq", n);
        o.put("filler", "x".repeat(60 + n % 37)); // lines of varying length, ~80-120 bytes
        return o;
    }

    private Set<String> fileNames() throws IOException {
        return fileNames(dir);
    }

    private static Set<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(TreeSet::new, Set::add, Set::addAll);
        }
    }

    /** Every line of the file, each asserted whole: parseable JSON, file ending in '\n'. */
    private static List<JsonNode> lines(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        List<JsonNode> out = new ArrayList<>();
        if (bytes.length == 0) {
            return out;
        }
        assertEquals('\n', bytes[bytes.length - 1], file + " does not end with a whole line");
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n", -1)) {
            if (!line.isEmpty()) {
                out.add(JSON.readTree(line));
            }
        }
        assertEquals(out.size(), new String(bytes, StandardCharsets.UTF_8).chars().filter(c -> c == '\n').count(),
                file + " has an empty line");
        return out;
    }

    private static List<Integer> seqs(Path file) throws IOException {
        return lines(file).stream().map(n -> n.get("seq").asInt()).toList();
    }

    @Test
    void rotatesWithLogrotateNumberingAndKeepsOnlyKeepFiles() throws IOException {
        int total = 600;
        try (JsonLinesFile file = new JsonLinesFile(dir, NAME, 4096, 3)) {
            for (int i = 0; i < total; i++) {
                assertTrue(file.append(seq(i)), () -> "append failed: " + file.lastFailure());
            }
            assertEquals(dir.resolve("notice.jsonl"), file.path());
            assertEquals(dir.resolve("notice.2.jsonl"), file.rotated(2));
        }
        assertEquals(Set.of("notice.jsonl", "notice.1.jsonl", "notice.2.jsonl", "notice.3.jsonl"), fileNames());

        // Oldest to newest: .3, .2, .1, current; together a gapless run ending with the last line.
        List<Integer> all = new ArrayList<>();
        for (String name : List.of("notice.3.jsonl", "notice.2.jsonl", "notice.1.jsonl", "notice.jsonl")) {
            Path p = dir.resolve(name);
            assertTrue(Files.size(p) <= 4096, name + " is over maxBytes: " + Files.size(p));
            List<Integer> s = seqs(p);
            assertFalse(s.isEmpty(), name + " is empty");
            all.addAll(s);
        }
        assertEquals(total - 1, all.get(all.size() - 1), "the newest line is not last in notice.jsonl");
        for (int i = 1; i < all.size(); i++) {
            assertEquals(all.get(i - 1) + 1, all.get(i), "lines missing or out of order at " + i);
        }
        // A rotated file is full: the next line would not have fitted.
        assertTrue(Files.size(dir.resolve("notice.1.jsonl")) > 4096 - 130);
    }

    @Test
    void keepOneHoldsExactlyOneRotatedFile() throws IOException {
        try (JsonLinesFile file = new JsonLinesFile(dir, NAME, 4096, 1)) {
            for (int i = 0; i < 200; i++) {
                assertTrue(file.append(seq(i)));
            }
        }
        assertEquals(Set.of("notice.jsonl", "notice.1.jsonl"), fileNames());
        List<Integer> older = seqs(dir.resolve("notice.1.jsonl"));
        List<Integer> newer = seqs(dir.resolve("notice.jsonl"));
        assertEquals(older.get(older.size() - 1) + 1, newer.get(0));
        assertEquals(199, newer.get(newer.size() - 1));
    }

    @Test
    void aLineLongerThanMaxBytesGetsAFileOfItsOwn() throws IOException {
        try (JsonLinesFile file = new JsonLinesFile(dir, NAME, 4096, 5)) {
            assertTrue(file.append(seq(0)));
            ObjectNode big = seq(1);
            big.put("filler", "y".repeat(10_000));
            assertTrue(file.append(big));
            assertTrue(file.append(seq(2)));
        }
        assertEquals(List.of(0), seqs(dir.resolve("notice.2.jsonl")));
        assertEquals(List.of(1), seqs(dir.resolve("notice.1.jsonl")));
        assertEquals(List.of(2), seqs(dir.resolve("notice.jsonl")));
    }

    @Test
    void reopeningAppendsAndCountsTheExistingSize() throws IOException {
        try (JsonLinesFile file = new JsonLinesFile(dir, NAME, 4096, 2)) {
            for (int i = 0; i < 30; i++) {
                assertTrue(file.append(seq(i)));
            }
        }
        long before = Files.size(dir.resolve("notice.jsonl"));
        assertTrue(before > 2000 && before < 4096, "setup: " + before);
        try (JsonLinesFile file = new JsonLinesFile(dir, NAME, 4096, 2)) {
            for (int i = 30; i < 60; i++) {
                assertTrue(file.append(seq(i)));
            }
        }
        List<Integer> rotated = seqs(dir.resolve("notice.1.jsonl"));
        assertEquals(0, rotated.get(0), "the lines written before the restart were not kept");
        assertEquals(59, seqs(dir.resolve("notice.jsonl")).get(seqs(dir.resolve("notice.jsonl")).size() - 1));
        assertTrue(Files.size(dir.resolve("notice.1.jsonl")) <= 4096);
    }

    @Test
    void aTornLastLineIsCutOffWhenOpened() throws IOException {
        Files.writeString(dir.resolve("notice.jsonl"), "{\"seq\":0}\n{\"seq\":1,\"fil");
        try (JsonLinesFile file = new JsonLinesFile(dir, NAME, 4096, 2)) {
            assertTrue(file.append(seq(2)));
        }
        assertEquals(List.of(0, 2), seqs(dir.resolve("notice.jsonl")));

        Files.writeString(dir.resolve("other.jsonl"), "no newline at all");
        try (JsonLinesFile file = new JsonLinesFile(dir, "other", 4096, 2)) {
            assertTrue(file.append(seq(3)));
        }
        assertEquals(List.of(3), seqs(dir.resolve("other.jsonl")));
    }

    @Test
    void rotatedFilesBeyondAnEarlierLargerKeepAreDeleted() throws IOException {
        for (int n = 1; n <= 6; n++) {
            Files.writeString(dir.resolve("notice." + n + ".jsonl"), "{\"old\":" + n + "}\n");
        }
        Files.writeString(dir.resolve("notice.x.jsonl"), "{}\n"); // not ours: left alone
        try (JsonLinesFile file = new JsonLinesFile(dir, NAME, 4096, 2)) {
            for (int i = 0; i < 60; i++) {
                assertTrue(file.append(seq(i)));
            }
        }
        assertEquals(Set.of("notice.jsonl", "notice.1.jsonl", "notice.2.jsonl", "notice.x.jsonl"), fileNames());
        assertEquals(1, lines(dir.resolve("notice.2.jsonl")).get(0).get("old").asInt());
    }

    @Test
    void filesAreOwnerOnlyAndAMissingDirectoryIs0700() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "no POSIX permissions here");
        Path logs = dir.resolve("var").resolve("log");
        try (JsonLinesFile file = new JsonLinesFile(logs, NAME, 4096, 2)) {
            for (int i = 0; i < 60; i++) {
                assertTrue(file.append(seq(i)));
            }
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(logs)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(logs.getParent())));
        for (String name : List.of("notice.jsonl", "notice.1.jsonl")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(logs.resolve(name))), name);
        }
    }

    @Test
    void anExistingFileReadableByOthersIsMadeOwnerOnly() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "no POSIX permissions here");
        Path existing = Files.writeString(dir.resolve("notice.jsonl"), "{}\n");
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rw-r--r--"));
        try (JsonLinesFile file = new JsonLinesFile(dir, NAME, 4096, 2)) {
            assertTrue(file.append(seq(1)));
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(existing)));
    }

    @Test
    void concurrentAppendsGiveExactlyNWholeLines() throws Exception {
        int threads = 8;
        int perThread = 1000;
        AtomicInteger failures = new AtomicInteger();
        try (JsonLinesFile file = new JsonLinesFile(dir, NAME, 64 * 1024, 100)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        ObjectNode o = seq(i);
                        o.put("thread", thread);
                        // Half as JsonNode, half as bytes: both paths share the lock.
                        boolean ok = i % 2 == 0 ? file.append(o) : file.append(JSON.writeValueAsBytes(o));
                        if (!ok) {
                            failures.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
        }
        assertEquals(0, failures.get());
        Set<String> seen = new HashSet<>();
        int count = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                assertTrue(Files.size(p) <= 64 * 1024, p + " over maxBytes");
                for (JsonNode line : lines(p)) {
                    count++;
                    assertTrue(seen.add(line.get("thread").asInt() + "/" + line.get("seq").asInt()), "duplicate " + line);
                }
            }
        }
        assertTrue(fileNames().size() > 3, "the test should rotate several times: " + fileNames());
        assertEquals(threads * perThread, count);
        assertEquals(threads * perThread, seen.size());
    }

    @Test
    void anAppendedLineIsOnDiskAtOnce() throws IOException {
        try (JsonLinesFile file = new JsonLinesFile(dir, NAME, 4096, 2)) {
            assertTrue(file.append(seq(7)));
            // Read through another file handle while the file is still open: flushed, not buffered.
            assertEquals(List.of(7), seqs(dir.resolve("notice.jsonl")));
        }
    }

    @Test
    void bytesMustBeOneLine() throws IOException {
        try (JsonLinesFile file = new JsonLinesFile(dir, NAME, 4096, 2)) {
            assertTrue(file.append("{\"a\":1}".getBytes(StandardCharsets.UTF_8)));
            assertTrue(file.append("{\"a\":2}\n".getBytes(StandardCharsets.UTF_8)), "one trailing newline is fine");
            assertTrue(file.append("{\"a\":3}\r\n".getBytes(StandardCharsets.UTF_8)));
            assertFalse(file.append("{\"a\":\n4}".getBytes(StandardCharsets.UTF_8)));
            assertTrue(file.lastFailure().contains("line break"), file.lastFailure());
            assertFalse(file.append("{\"a\":5}\n\n".getBytes(StandardCharsets.UTF_8)));
            assertFalse(file.append(new byte[0]));
            assertFalse(file.append("\n".getBytes(StandardCharsets.UTF_8)));
            assertFalse(file.append((byte[]) null));
            assertFalse(file.append((JsonNode) null));
            // A JsonNode with line breaks in its strings is escaped onto one line.
            ObjectNode multi = JSON.createObjectNode().put("a", "six\nlines\r\n\u2028ünïcödé");
            assertTrue(file.append(multi));
        }
        List<JsonNode> lines = lines(dir.resolve("notice.jsonl"));
        assertEquals(4, lines.size());
        assertEquals(List.of(1, 2, 3), lines.subList(0, 3).stream().map(n -> n.get("a").asInt()).toList());
        assertEquals("six\nlines\r\n\u2028ünïcödé", lines.get(3).get("a").asText());
    }

    @Test
    void appendAfterCloseReturnsFalse() throws IOException {
        JsonLinesFile file = new JsonLinesFile(dir, NAME, 4096, 2);
        assertTrue(file.append(seq(1)));
        file.close();
        file.close();
        assertFalse(file.append(seq(2)));
        assertTrue(file.lastFailure().contains("closed"), file.lastFailure());
        assertEquals(List.of(1), seqs(dir.resolve("notice.jsonl")));
    }

    @Test
    void argumentsAreCheckedAndNamed() {
        IllegalArgumentException e;
        e = assertThrows(IllegalArgumentException.class, () -> new JsonLinesFile(dir, NAME, 4095, 2));
        assertTrue(e.getMessage().startsWith("maxBytes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new JsonLinesFile(dir, NAME, 4096, 0));
        assertTrue(e.getMessage().startsWith("keep"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new JsonLinesFile(dir, NAME, 4096, 1001));
        assertTrue(e.getMessage().startsWith("keep"), e.getMessage());
        for (String bad : List.of("", "../x", "a/b", ".hidden", "log.1", "a b")) {
            e = assertThrows(IllegalArgumentException.class, () -> new JsonLinesFile(dir, bad, 4096, 2), bad);
            assertTrue(e.getMessage().startsWith("name"), e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> new JsonLinesFile(null, NAME, 4096, 2));
        assertDoesNotThrowIo(() -> new JsonLinesFile(dir, "kiam-ms_notice.v2", 4096, 1000).close());
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void assertDoesNotThrowIo(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    // --- read-only directory and full disk: faults that stop root too (CI runs as root) ---

    /**
     * A folder made read-only until closed. For an ordinary user, permissions do it. Root ignores
     * permissions, so for root the folder gets the immutable attribute ({@code chattr +i}): no
     * entry can be created, removed or renamed in it, while files already open in it can still be
     * written, which is a read-only directory exactly. That needs CAP_LINUX_IMMUTABLE and a file
     * system with the attribute (ext4, xfs, btrfs, recent tmpfs); without both, nothing in this
     * process can make a folder read-only for root, and the test is skipped saying so.
     */
    private static final class ReadOnlyFolder implements AutoCloseable {
        private final Path dir;
        private boolean immutable;
        private boolean closed;

        ReadOnlyFolder(Path dir) throws IOException {
            this.dir = dir;
            assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "no POSIX permissions here");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
            if (writable(dir)) { // root: permissions do not stop it
                String chattr = run("chattr", "+i", dir.toString());
                immutable = chattr.isEmpty();
                if (!immutable || writable(dir)) {
                    close();
                    assumeTrue(false, "running as root, and the folder cannot be made immutable to stop root ("
                            + (chattr.isEmpty() ? "chattr +i did not stop writes" : chattr) + ")");
                }
            }
        }

        private static boolean writable(Path d) {
            Path probe = d.resolve("probe");
            try {
                Files.createFile(probe);
                Files.delete(probe);
                return true;
            } catch (IOException expected) {
                return false;
            }
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            if (immutable) {
                String failed = run("chattr", "-i", dir.toString());
                assertEquals("", failed, "chattr -i " + dir);
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** Runs a command; "" when it succeeded, else what went wrong (its output, or why it did not run). */
    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return String.join(" ", command) + " did not finish within 20 s";
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.exitValue() == 0 ? "" : String.join(" ", command) + " exited " + p.exitValue() + ": " + out;
        } catch (IOException e) {
            return String.join(" ", command) + " could not run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    @Test
    void aFileThatCannotBeCreatedInAReadOnlyDirectoryReturnsFalse() throws IOException {
        Path logs = Files.createDirectory(dir.resolve("logs"));
        try (JsonLinesFile file = new JsonLinesFile(logs, NAME, 4096, 2)) {
            assertTrue(file.append(seq(0)));
            // Someone removes the file and the directory goes read-only (a full or remounted disk):
            // at the next rotation no file can be created.
            Files.delete(logs.resolve("notice.jsonl"));
            try (ReadOnlyFolder readOnly = new ReadOnlyFolder(logs)) {
                ObjectNode big = seq(1);
                big.put("filler", "z".repeat(5000));
                assertFalse(file.append(big));
                assertNotNull(file.lastFailure());
                assertTrue(file.lastFailure().contains("notice.jsonl"), file.lastFailure());
                assertFalse(file.append(seq(2)), "still nowhere to write");
            }
            assertTrue(file.append(seq(3)), "writes again once the directory is writable: " + file.lastFailure());
        }
        assertEquals(List.of(3), seqs(logs.resolve("notice.jsonl")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(logs.resolve("notice.jsonl"))));
    }

    @Test
    void aRotationThatFailsKeepsWritingTheCurrentFile() throws IOException {
        Path logs = Files.createDirectory(dir.resolve("logs"));
        try (JsonLinesFile file = new JsonLinesFile(logs, NAME, 4096, 2)) {
            try (ReadOnlyFolder readOnly = new ReadOnlyFolder(logs)) {
                for (int i = 0; i < 60; i++) {
                    assertTrue(file.append(seq(i)), () -> "lost a line: " + file.lastFailure());
                }
                assertEquals(Set.of("notice.jsonl"), fileNames(logs), "no rotation while read-only");
            }
            assertTrue(Files.size(logs.resolve("notice.jsonl")) > 4096, "written on past maxBytes");
            assertTrue(file.append(seq(60)));
        }
        assertEquals(60, seqs(logs.resolve("notice.1.jsonl")).size(), "rotated once the directory was writable again");
        assertEquals(List.of(60), seqs(logs.resolve("notice.jsonl")));
    }

    @Test
    void aReadOnlyDirectoryFailsAtConstructionWithIOException() throws IOException {
        Path logs = Files.createDirectory(dir.resolve("logs"));
        try (ReadOnlyFolder readOnly = new ReadOnlyFolder(logs)) {
            assertThrows(IOException.class, () -> new JsonLinesFile(logs, NAME, 4096, 2));
        }
        assertEquals(Set.of(), fileNames(logs), "nothing was created");
    }

    @Test
    void aFullDiskLosesTheLineNotTheFileAndWritingResumesWhenThereIsRoom() throws IOException {
        // A real full file system: a 64 KiB tmpfs, which stops root as well. Mounting needs root
        // with CAP_SYS_ADMIN; where that is missing the test is skipped, saying so.
        Path disk = Files.createDirectory(dir.resolve("disk"));
        String mounted = run("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", disk.toString());
        assumeTrue(mounted.isEmpty(), "cannot mount a small tmpfs to fill up (needs root with CAP_SYS_ADMIN): " + mounted);
        try {
            Path ballast = disk.resolve("ballast");
            Files.write(ballast, new byte[32 * 1024]);
            int written = 0;
            try (JsonLinesFile file = new JsonLinesFile(disk, NAME, 1 << 20, 2)) {
                while (file.append(seq(written))) {
                    written++;
                    assertTrue(written < 2000, "64 KiB never filled up");
                }
                String failure = file.lastFailure();
                System.out.println("full after " + written + " lines: " + failure);
                assertTrue(failure.contains("No space left"), failure);
                assertFalse(file.append(seq(written)), "still full");

                // Room again: the line that failed goes in after the last whole one.
                Files.delete(ballast);
                int retried = written;
                assertTrue(file.append(seq(retried)), () -> "writes again once there is room: " + file.lastFailure());
            }
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i <= written; i++) {
                expected.add(i);
            }
            assertEquals(expected, seqs(disk.resolve(NAME + ".jsonl")), "every line written, each whole, none torn");
        } finally {
            assertEquals("", run("umount", disk.toString()), "umount " + disk);
        }
    }
}
