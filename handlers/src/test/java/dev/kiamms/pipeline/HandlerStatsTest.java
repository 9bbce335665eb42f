package dev.kiamms.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The counters and the latency histogram of {@link HandlerStats}. */
class HandlerStatsTest {

    private static final long MS = 1_000_000L;

    @Test
    void theBoundsAreIncreasingAndTheBucketsOneMore() {
        List<Double> b = HandlerStats.LATENCY_BOUNDS_SECONDS;
        for (int i = 1; i < b.size(); i++) {
            assertTrue(b.get(i) > b.get(i - 1), "bound " + i);
        }
        assertEquals(b.size() + 1, HandlerStats.LATENCY_BUCKETS);
        assertEquals(0.0005, b.get(0));
        assertEquals(10.0, b.get(b.size() - 1));
    }

    @Test
    void aDurationGoesToTheFirstBoundItDoesNotExceed() {
        assertEquals(0, HandlerStats.bucket(0));
        assertEquals(0, HandlerStats.bucket(-5)); // a clock oddity, never an exception
        assertEquals(0, HandlerStats.bucket(500_000)); // le is inclusive: exactly 0.5 ms
        assertEquals(1, HandlerStats.bucket(500_001));
        assertEquals(1, HandlerStats.bucket(MS));
        assertEquals(2, HandlerStats.bucket(MS + 1));
        assertEquals(2, HandlerStats.bucket(2_500_000));
        int tenSeconds = HandlerStats.LATENCY_BOUNDS_SECONDS.size() - 1;
        assertEquals(tenSeconds, HandlerStats.bucket(10_000 * MS));
        assertEquals(tenSeconds + 1, HandlerStats.bucket(10_000 * MS + 1)); // +Inf
        assertEquals(tenSeconds + 1, HandlerStats.bucket(Long.MAX_VALUE));
    }

    @Test
    void theSnapshotHasTheCountsAndTheHistogram() {
        HandlerStats stats = new HandlerStats();
        stats.handled("iplocation", 300_000); // 0.3 ms
        stats.handled("iplocation", 3 * MS);
        stats.handled("iplocation", 3 * MS);
        stats.handled("iplocation", 60_000 * MS); // a minute: +Inf
        stats.failed("iplocation");
        stats.refused("iplocation");
        stats.refused("iplocation");
        stats.duplicate("iplocation");
        stats.refused("kiam.console.notice.x");

        Map<String, HandlerStats.Counts> snap = stats.snapshot();
        assertEquals(List.of("iplocation", "kiam.console.notice.x"), new ArrayList<>(snap.keySet()));
        HandlerStats.Counts c = snap.get("iplocation");
        assertEquals(4, c.handled());
        assertEquals(1, c.failed());
        assertEquals(2, c.refused());
        assertEquals(1, c.duplicates());
        assertEquals(300_000 + 6 * MS + 60_000 * MS, c.totalNanos());
        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < HandlerStats.LATENCY_BUCKETS; i++) {
            expected.add(0L);
        }
        expected.set(0, 1L);
        expected.set(3, 2L); // 2.5 ms < 3 ms <= 5 ms
        expected.set(HandlerStats.LATENCY_BUCKETS - 1, 1L);
        assertEquals(expected, c.latencyBuckets());

        HandlerStats.Counts notice = snap.get("kiam.console.notice.x");
        assertEquals(HandlerStats.LATENCY_BUCKETS, notice.latencyBuckets().size());
        assertTrue(notice.latencyBuckets().stream().allMatch(n -> n == 0));
    }

    @Test
    void countsWithoutAHistogramStillWork() {
        HandlerStats.Counts c = new HandlerStats.Counts(1, 2, 3, 4, 5);
        assertEquals(List.of(), c.latencyBuckets());
        assertEquals(c, new HandlerStats.Counts(1, 2, 3, 4, 5, null));
        assertThrows(IllegalArgumentException.class, () -> new HandlerStats.Counts(1, 0, 0, 0, 0, List.of(1L)));
    }

    /** RunStats writes the snapshot as JSON for status in another process, and reads it back. */
    @Test
    void countsSurviveAJsonRoundTripAndOldFilesStillRead() throws Exception {
        ObjectMapper json = new ObjectMapper();
        HandlerStats stats = new HandlerStats();
        stats.handled("iplocation", 7 * MS);
        stats.failed("iplocation");
        HandlerStats.Counts c = stats.snapshot().get("iplocation");
        assertEquals(c, json.readValue(json.writeValueAsBytes(c), HandlerStats.Counts.class));

        // A stats file written before the histogram existed.
        HandlerStats.Counts old = json.readValue("{\"handled\":3,\"failed\":1,\"refused\":0,\"duplicates\":0,\"totalNanos\":9}",
                HandlerStats.Counts.class);
        assertEquals(new HandlerStats.Counts(3, 1, 0, 0, 9), old);
    }

    @Test
    void concurrentRecordingLosesNothing() throws Exception {
        HandlerStats stats = new HandlerStats();
        int threads = 8;
        int each = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int t = 0; t < threads; t++) {
                int seed = t;
                pool.execute(() -> {
                    for (int i = 0; i < each; i++) {
                        stats.handled("a" + (i % 3), (seed * 7L + i) * 1000);
                    }
                });
            }
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        long handled = 0;
        long inBuckets = 0;
        for (HandlerStats.Counts c : stats.snapshot().values()) {
            handled += c.handled();
            inBuckets += c.latencyBuckets().stream().mapToLong(Long::longValue).sum();
        }
        assertEquals((long) threads * each, handled);
        assertEquals(handled, inBuckets);
    }
}
