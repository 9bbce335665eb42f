package dev.kiamms.app.service;

import dev.kiamms.files.OwnerOnlyFiles;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The appliance's own channel for reload requests, beside SIGHUP. A signal is lost where the
 * appliance was started with SIGHUP ignored ({@code nohup}, some supervisors): the JVM then
 * installs no handler at all. A file in the owner-only run folder always arrives, also on an
 * external broker, and carries an id, so every requester gets the answer to its own request.
 *
 * <p>A requester creates {@code <dir>/ID.request}. Every {@link #POLL} this watcher claims the
 * requests there by deleting them (a delete succeeds once, so a request withdrawn by a requester
 * that gave up is never answered, and none is answered twice), reloads once for all it claimed
 * (each was made before the reload began, so the reload sees what its requester saved), and
 * writes the record to {@code <dir>/ID.answer} for each. The requester reads and deletes its
 * answer; answers nobody collected are removed after {@link #UNCOLLECTED}.
 *
 * <p>Polling instead of a WatchService: one directory listing every 200 ms costs nothing
 * measurable, and works on every file system, where inotify does not.
 */
public final class ReloadRequestWatcher implements AutoCloseable {

    static final String REQUEST = ".request";
    static final String ANSWER = ".answer";
    /** What a requester names its request: a UUID, in practice. Anything else in the folder is left alone. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

    private static final Logger LOG = Logger.getLogger("kiamms.reload");
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration UNCOLLECTED = Duration.ofMinutes(2);

    private final Path dir;
    private final Function<List<String>, byte[]> reload;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kiam-ms-reload-requests");
        t.setDaemon(true);
        return t;
    });

    /** Not polling yet: {@link #start} polls; tests call {@link #sweep} themselves. */
    ReloadRequestWatcher(Path dir, Function<List<String>, byte[]> reload) {
        this.dir = dir;
        this.reload = reload;
    }

    /**
     * Watches {@code dir}, creating it owner-only. The appliance creates it, not a requester: a
     * requester running as root would otherwise leave a folder the service user cannot read.
     *
     * @param reload reloads for the request ids given and returns the JSON record that answers them
     */
    public static ReloadRequestWatcher start(Path dir, Function<List<String>, byte[]> reload) throws IOException {
        OwnerOnlyFiles.directory(dir);
        ReloadRequestWatcher watcher = new ReloadRequestWatcher(dir, reload);
        watcher.poller.scheduleWithFixedDelay(watcher::sweepQuietly, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
        return watcher;
    }

    /** A failing sweep must not end the schedule (an executor drops a task that throws): log it and poll on. */
    private void sweepQuietly() {
        try {
            sweep();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "reload requests in " + dir + ": " + e.getMessage(), e);
        }
    }

    void sweep() throws IOException {
        if (!Files.isDirectory(dir)) {
            // Removed by hand: requesters need it back. Not its parent, though: a run folder made
            // here would not be owner-only, and without it there is no lock to find us by anyway.
            if (!Files.isDirectory(dir.getParent())) {
                return;
            }
            OwnerOnlyFiles.directory(dir);
        }
        List<String> claimed = new ArrayList<>();
        Instant stale = Instant.now().minus(UNCOLLECTED);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.endsWith(REQUEST) && ID.matcher(id(name, REQUEST)).matches() && claim(p)) {
                    claimed.add(id(name, REQUEST));
                } else if (name.endsWith(ANSWER) && isOlderThan(p, stale)) {
                    Files.deleteIfExists(p);
                }
            }
        }
        if (claimed.isEmpty()) {
            return;
        }
        LOG.fine(() -> "reload requested by " + String.join(", ", claimed));
        byte[] answer = reload.apply(claimed);
        for (String id : claimed) {
            OwnerOnlyFiles.write(dir.resolve(id + ANSWER), answer);
        }
    }

    private static String id(String fileName, String suffix) {
        return fileName.substring(0, fileName.length() - suffix.length());
    }

    /** Deleting is claiming: only one of the watcher and a requester withdrawing its request succeeds. */
    private static boolean claim(Path request) throws IOException {
        try {
            Files.delete(request);
            return true;
        } catch (NoSuchFileException withdrawn) {
            return false;
        }
    }

    private static boolean isOlderThan(Path p, Instant t) {
        try {
            return Files.getLastModifiedTime(p).toInstant().isBefore(t);
        } catch (IOException gone) {
            return false;
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
