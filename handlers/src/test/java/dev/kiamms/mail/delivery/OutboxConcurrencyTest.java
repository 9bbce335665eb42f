package dev.kiamms.mail.delivery;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.kiamms.mail.delivery.DeliveryTestSupport.mail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many writers at once into the outbox (they share directory fsyncs): every accepted mail is its own whole file. */
class OutboxConcurrencyTest {

    private static final int WRITERS = 16;
    private static final int EACH = 40;

    @TempDir
    Path tmp;

    @Test
    void everyMailAcceptedByConcurrentWritersIsAWholeFileOfItsOwn() throws Exception {
        Path dir = tmp.resolve("outbox");
        MailDelivery d = new MailDelivery(List.of(), "", null, dir);
        Set<Path> returned = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> done = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < EACH; i++) {
                    // Half share one reqid, so that names collide within the same millisecond.
                    String reqid = i % 2 == 0 ? "same-reqid" : "req-" + writer + "-" + i;
                    returned.add(Path.of(d.deliver(reqid, mail("mail " + writer + "/" + i)).where()));
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("outbox: %d mails by %d writers in %.2f s (%.0f/s)%n", WRITERS * EACH, WRITERS, seconds,
                WRITERS * EACH / seconds);

        assertEquals(WRITERS * EACH, returned.size(), "each accepted mail got a name of its own");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.toList();
        }
        assertEquals(returned, new HashSet<>(files), "exactly the accepted files, no temporary file left behind");
        Set<String> subjects = new HashSet<>();
        Session session = Session.getInstance(new Properties());
        for (Path f : files) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
            try (InputStream in = Files.newInputStream(f)) {
                MimeMessage m = new MimeMessage(session, in);
                String subject = m.getSubject();
                assertTrue(((String) m.getContent()).contains(subject), "the body is all there: " + f);
                subjects.add(subject);
            }
        }
        assertEquals(WRITERS * EACH, subjects.size(), "every mail is in exactly one file");
    }

    @Test
    void aDirectoryFsyncThatFailsReachesEveryWaitingWriter() throws Exception {
        DirectorySync sync = new DirectorySync(tmp.resolve("gone"));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(pool.submit(() -> {
                sync.sync();
                return null;
            }));
        }
        for (Future<?> f : calls) {
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> f.get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof IOException, String.valueOf(e.getCause()));
        }
        pool.shutdown();
        Files.createDirectory(tmp.resolve("gone"));
        sync.sync(); // and once the directory is there, it works
    }
}
