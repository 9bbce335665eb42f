package dev.kiamms.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OwnerOnlyFilesTest {

    @TempDir
    Path dir;

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    /** No temporary file is left next to the target. */
    private void onlyTheTargetIsLeft(Path target) throws IOException {
        try (var files = Files.list(target.getParent())) {
            assertEquals(java.util.List.of(target), files.toList());
        }
    }

    @Test
    void writeCreatesAndReplacesOwnerOnly() throws IOException {
        Path f = dir.resolve("run.json");
        OwnerOnlyFiles.write(f, "one".getBytes(StandardCharsets.UTF_8));
        assertEquals("rw-------", mode(f));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        OwnerOnlyFiles.write(f, "two".getBytes(StandardCharsets.UTF_8));
        assertEquals("two", Files.readString(f));
        assertEquals("rw-------", mode(f), "a replaced file is a new owner-only file, whatever the old one's mode");
        onlyTheTargetIsLeft(f);
    }

    @Test
    void writeDurablyReplacesOwnerOnly() throws IOException {
        Path f = dir.resolve("users.json");
        OwnerOnlyFiles.writeDurably(f, "one".getBytes(StandardCharsets.UTF_8));
        OwnerOnlyFiles.writeDurably(f, "two".getBytes(StandardCharsets.UTF_8));
        assertEquals("two", Files.readString(f));
        assertEquals("rw-------", mode(f));
        onlyTheTargetIsLeft(f);
    }

    @Test
    void createNewRefusesAnExistingFile() throws IOException {
        Path f = dir.resolve("x.request");
        OwnerOnlyFiles.createNew(f, new byte[0]);
        assertEquals("rw-------", mode(f));
        assertThrows(FileAlreadyExistsException.class, () -> OwnerOnlyFiles.createNew(f, "again".getBytes(StandardCharsets.UTF_8)));
        assertEquals(0, Files.size(f), "left as it was");
    }

    @Test
    void openForWritingCreatesOwnerOnlyAndKeepsAnExistingFilesContent() throws IOException {
        Path f = dir.resolve("audits.jsonl");
        try (FileChannel ch = OwnerOnlyFiles.openForWriting(f)) {
            ch.write(ByteBuffer.wrap("line\n".getBytes(StandardCharsets.UTF_8)));
        }
        assertEquals("rw-------", mode(f));
        try (FileChannel ch = OwnerOnlyFiles.openForWriting(f)) {
            assertEquals(5, ch.size(), "not truncated");
        }
    }

    @Test
    void tightenMakesAnExistingFileOwnerOnly() throws IOException {
        Path f = Files.writeString(dir.resolve("old.jsonl"), "x");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-r--"));
        assertFalse(OwnerOnlyFiles.isOwnerOnly(f));
        OwnerOnlyFiles.tighten(f);
        assertEquals("rw-------", mode(f));
        assertTrue(OwnerOnlyFiles.isOwnerOnly(f));
    }

    @Test
    void aPreparedTempFileReplacesItsTargetInOneStep() throws IOException {
        Path target = Files.writeString(dir.resolve("City.mmdb"), "old");
        Path fresh = OwnerOnlyFiles.createTemp(dir, ".geoip-", ".tmp");
        assertEquals("rw-------", mode(fresh));
        Files.writeString(fresh, "new");
        OwnerOnlyFiles.replace(fresh, target);
        assertEquals("new", Files.readString(target));
        onlyTheTargetIsLeft(target);
    }

    @Test
    void directoriesAreOwnerOnly() throws IOException {
        Path d = OwnerOnlyFiles.directory(dir.resolve("a/b"));
        assertEquals("rwx------", mode(d));
        assertEquals(d, OwnerOnlyFiles.directory(d), "an existing folder is fine");
    }
}
