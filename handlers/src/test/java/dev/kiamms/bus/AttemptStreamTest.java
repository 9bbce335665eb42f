package dev.kiamms.bus;

import dev.kiamms.mail.delivery.AttemptEntry;
import dev.kiamms.testing.Await;
import dev.kiamms.testing.NatsServerFixture;

import io.nats.client.Connection;
import io.nats.client.Nats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The attempt log on a real nats-server with JetStream: written, read back by reqid, address, time and count; never blocking. */
@Timeout(120)
class AttemptStreamTest {

    @TempDir
    Path store;

    private static AttemptEntry entry(String reqid, String to, String mta, String outcome, Instant at) {
        return new AttemptEntry(reqid, "sendverifyemail", AttemptEntry.EMAIL, List.of(AttemptEntry.mask(to)),
                List.of(AttemptEntry.hash(to)), mta, "127.0.0.1:25", outcome, "accepted", at.toString());
    }

    @Test
    void entriesAreReadBackByReqidAddressTimeAndCount() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start("jetstream {store_dir: \"" + store + "\"}");
             Connection nc = Nats.connect(nats.options().build())) {
            assertEquals(List.of(), AttemptStream.read(nc, new AttemptStream.Query(null, null, null, 0)), "no stream yet: nothing");
            AttemptStream log = AttemptStream.open(nc, new AttemptStream.Limits(Duration.ofDays(1), 1024 * 1024, 1));
            Instant old = Instant.now().minus(Duration.ofHours(2));
            log.record(entry("req.one with spaces", "ann@example.com", "main", "NOT_DELIVERED", old));
            log.record(entry("req.one with spaces", "ann@example.com", "backup", "DELIVERED", old));
            log.record(entry("req-two", "bob@example.com", "main", "DELIVERED", Instant.now()));
            Await.until(Duration.ofSeconds(20), () -> count(nc) == 3, () -> "three entries in the stream");

            List<AttemptEntry> one = AttemptStream.read(nc, new AttemptStream.Query("req.one with spaces", null, null, 0));
            assertEquals(List.of("main", "backup"), one.stream().map(AttemptEntry::mta).toList(), "oldest first");
            assertEquals("a***@example.com", one.get(1).to().get(0));

            assertEquals(List.of("req-two"), AttemptStream.read(nc, new AttemptStream.Query(null, "BOB@example.com", null, 0))
                    .stream().map(AttemptEntry::reqid).toList());
            assertEquals(List.of("backup"), AttemptStream.read(nc, new AttemptStream.Query(null, "ann@example.com", null, 1))
                    .stream().map(AttemptEntry::mta).toList(), "--limit keeps the newest");
            assertEquals(List.of(), AttemptStream.read(nc, new AttemptStream.Query("req-three", null, null, 0)));
            // --since is about when the broker stored the entry: all three were stored just now.
            assertEquals(3, AttemptStream.read(nc, new AttemptStream.Query(null, null, Instant.now().minusSeconds(600), 0)).size());
            assertEquals(0, AttemptStream.read(nc, new AttemptStream.Query(null, null, Instant.now().plusSeconds(600), 0)).size());
        }
    }

    @Test
    void recordingNeverBlocksWhenTheBrokerIsGone() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start("jetstream {store_dir: \"" + store + "\"}");
             Connection nc = Nats.connect(nats.options().maxReconnects(-1).build())) {
            AttemptStream log = AttemptStream.open(nc, new AttemptStream.Limits(Duration.ofDays(1), 1024 * 1024, 1));
            nats.stop();
            int n = AttemptStream.MAX_IN_FLIGHT * 2;
            long t0 = System.nanoTime();
            long longest = 0;
            for (int i = 0; i < n; i++) {
                long t = System.nanoTime();
                log.record(entry("gone-" + i, "ann@example.com", "main", "DELIVERED", Instant.now()));
                longest = Math.max(longest, System.nanoTime() - t);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println(n + " records with the broker gone took " + ms + " ms in all, the longest "
                    + longest / 1_000_000 + " ms");
            // Each would wait 5 s for an acknowledgement if recording waited: 512 x 5 s.
            assertTrue(ms < 10_000, n + " records took " + ms + " ms");
        }
    }

    private static long count(Connection nc) {
        try {
            return nc.jetStreamManagement().getStreamInfo(AttemptStream.STREAM).getStreamState().getMsgCount();
        } catch (Exception e) {
            return -1;
        }
    }
}
