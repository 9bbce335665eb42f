package dev.kiamms.app.service;

import dev.kiamms.files.OwnerOnlyFiles;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The watcher's bookkeeping, one sweep at a time: one reload answers every waiting request once. */
class ReloadRequestWatcherTest {

    @TempDir
    Path run;

    private final List<List<String>> reloads = new ArrayList<>();

    /** Not polling: the test sweeps itself. */
    private ReloadRequestWatcher watcher(Path dir) throws Exception {
        OwnerOnlyFiles.directory(dir);
        return new ReloadRequestWatcher(dir, ids -> {
            reloads.add(ids.stream().sorted().toList());
            return ("{\"answer\":" + reloads.size() + "}").getBytes(StandardCharsets.UTF_8);
        });
    }

    @Test
    void oneReloadAnswersEachWaitingRequestOnceAndLeavesOtherFilesAlone() throws Exception {
        Path dir = run.resolve("reload-requests");
        ReloadRequestWatcher w = watcher(dir);
        Files.createFile(dir.resolve("a" + ReloadRequestWatcher.REQUEST));
        Files.createFile(dir.resolve("b" + ReloadRequestWatcher.REQUEST));
        Files.createFile(dir.resolve("not an id!" + ReloadRequestWatcher.REQUEST));
        Files.createFile(dir.resolve("notes.txt"));

        w.sweep();
        assertEquals(List.of(List.of("a", "b")), reloads);
        assertEquals(Set.of("a.answer", "b.answer", "not an id!.request", "notes.txt"), names(dir));
        assertEquals("{\"answer\":1}", Files.readString(dir.resolve("a.answer")));

        w.sweep();
        assertEquals(1, reloads.size(), "nothing new asked: no reload");
    }

    @Test
    void answersNobodyCollectedGoAfterAWhile() throws Exception {
        Path dir = run.resolve("reload-requests");
        ReloadRequestWatcher w = watcher(dir);
        Files.writeString(dir.resolve("old.answer"), "{}");
        Files.setLastModifiedTime(dir.resolve("old.answer"), FileTime.from(Instant.now().minus(Duration.ofMinutes(3))));
        Files.writeString(dir.resolve("new.answer"), "{}");

        w.sweep();
        assertEquals(Set.of("new.answer"), names(dir));
    }

    @Test
    void aRemovedFolderComesBackButNotARemovedRunFolder() throws Exception {
        Path dir = run.resolve("reload-requests");
        ReloadRequestWatcher w = watcher(dir);
        Files.delete(dir);
        w.sweep();
        assertTrue(Files.isDirectory(dir));
        assertTrue(OwnerOnlyFiles.isOwnerOnly(dir));

        Path gone = run.resolve("gone/reload-requests");
        ReloadRequestWatcher orphan = watcher(gone);
        Files.delete(gone);
        Files.delete(gone.getParent());
        orphan.sweep();
        assertFalse(Files.exists(gone.getParent()));
    }

    private static Set<String> names(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
