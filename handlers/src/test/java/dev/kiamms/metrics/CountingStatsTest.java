package dev.kiamms.metrics;

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

/** The counters and the latency histogram of {@link CountingStats}. */
class CountingStatsTest {

    private static final long MS = 1_000_000L;

    @Test
    void theBoundsAreIncreasingAndTheBucketsOneMore() {
        List<Double> b = CountingStats.LATENCY_BOUNDS_SECONDS;
        for (int i = 1; i < b.size(); i++) {
            assertTrue(b.get(i) > b.get(i - 1), "bound " + i);
        }
        assertEquals(b.size() + 1, CountingStats.LATENCY_BUCKETS);
        assertEquals(0.0005, b.get(0));
        assertEquals(10.0, b.get(b.size() - 1));
    }

    @Test
    void aDurationGoesToTheFirstBoundItDoesNotExceed() {
        assertEquals(0, CountingStats.bucket(0));
        assertEquals(0, CountingStats.bucket(-5)); // a clock oddity, never an exception
        assertEquals(0, CountingStats.bucket(500_000)); // le is inclusive: exactly 0.5 ms
        assertEquals(1, CountingStats.bucket(500_001));
        assertEquals(1, CountingStats.bucket(MS));
        assertEquals(2, CountingStats.bucket(MS + 1));
        assertEquals(2, CountingStats.bucket(2_500_000));
        int tenSeconds = CountingStats.LATENCY_BOUNDS_SECONDS.size() - 1;
        assertEquals(tenSeconds, CountingStats.bucket(10_000 * MS));
        assertEquals(tenSeconds + 1, CountingStats.bucket(10_000 * MS + 1)); // +Inf
        assertEquals(tenSeconds + 1, CountingStats.bucket(Long.MAX_VALUE));
    }

    @Test
    void theSnapshotHasTheCountsAndTheHistogram() {
        CountingStats stats = new CountingStats();
        stats.handled("iplocation", 300_000); // 0.3 ms
        stats.handled("iplocation", 3 * MS);
        stats.handled("iplocation", 3 * MS);
        stats.handled("iplocation", 60_000 * MS); // a minute: +Inf
        stats.failed("iplocation", "broken");
        stats.refused("iplocation", "bad payload");
        stats.refused("iplocation", "bad payload");
        stats.duplicate("iplocation");
        stats.refused("kiam.console.notice.x", "bad payload");

        Map<String, HandlerCounts> snap = stats.snapshot().handlers();
        assertEquals(List.of("iplocation", "kiam.console.notice.x"), new ArrayList<>(snap.keySet()));
        HandlerCounts c = snap.get("iplocation");
        assertEquals(4, c.handled());
        assertEquals(1, c.failed());
        assertEquals(2, c.refused());
        assertEquals(1, c.duplicates());
        assertEquals(300_000 + 6 * MS + 60_000 * MS, c.totalNanos());
        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < CountingStats.LATENCY_BUCKETS; i++) {
            expected.add(0L);
        }
        expected.set(0, 1L);
        expected.set(3, 2L); // 2.5 ms < 3 ms <= 5 ms
        expected.set(CountingStats.LATENCY_BUCKETS - 1, 1L);
        assertEquals(expected, c.latencyBuckets());

        HandlerCounts notice = snap.get("kiam.console.notice.x");
        assertEquals(CountingStats.LATENCY_BUCKETS, notice.latencyBuckets().size());
        assertTrue(notice.latencyBuckets().stream().allMatch(n -> n == 0));
    }

    @Test
    void theLastErrorPerNameIsKeptAndAHandledMessageLeavesIt() {
        CountingStats stats = new CountingStats(java.time.Instant.parse("2026-01-02T03:04:05Z"));
        stats.handled("iplocation", MS);
        stats.duplicate("iplocation");
        assertEquals(Map.of(), stats.snapshot().lastErrors(), "no error yet");
        stats.refused("iplocation", "ipaddr is missing");
        stats.failed("iplocation", "no GeoIP database");
        stats.handled("iplocation", MS);
        stats.refused("kiam.console.notice.x", "not JSON");

        StatsSnapshot snap = stats.snapshot();
        assertEquals(Map.of("iplocation", "no GeoIP database", "kiam.console.notice.x", "not JSON"), snap.lastErrors());
        assertEquals(java.time.Instant.parse("2026-01-02T03:04:05Z"), snap.started());
        HandlerCounts c = snap.handlers().get("iplocation");
        assertEquals(2, c.errors(), "failed and refused");
        assertEquals(MS, c.averageNanos(), "over the two handled");
        assertEquals(0, new HandlerCounts(0, 1, 0, 0, 0).averageNanos(), "none handled: 0, not a division by zero");
    }

    @Test
    void countsWithoutAHistogramStillWork() {
        HandlerCounts c = new HandlerCounts(1, 2, 3, 4, 5);
        assertEquals(List.of(), c.latencyBuckets());
        assertEquals(c, new HandlerCounts(1, 2, 3, 4, 5, null));
        assertThrows(IllegalArgumentException.class, () -> new HandlerCounts(1, 0, 0, 0, 0, List.of(1L)));
    }

    /** RunStats writes the snapshot as JSON for status in another process, and reads it back. */
    @Test
    void countsSurviveAJsonRoundTripAndOldFilesStillRead() throws Exception {
        ObjectMapper json = new ObjectMapper();
        CountingStats stats = new CountingStats();
        stats.handled("iplocation", 7 * MS);
        stats.failed("iplocation", "broken");
        HandlerCounts c = stats.snapshot().handlers().get("iplocation");
        assertEquals(c, json.readValue(json.writeValueAsBytes(c), HandlerCounts.class));

        // A stats file written before the histogram existed.
        HandlerCounts old = json.readValue("{\"handled\":3,\"failed\":1,\"refused\":0,\"duplicates\":0,\"totalNanos\":9}",
                HandlerCounts.class);
        assertEquals(new HandlerCounts(3, 1, 0, 0, 9), old);
    }

    @Test
    void concurrentRecordingLosesNothing() throws Exception {
        CountingStats stats = new CountingStats();
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
        for (HandlerCounts c : stats.snapshot().handlers().values()) {
            handled += c.handled();
            inBuckets += c.latencyBuckets().stream().mapToLong(Long::longValue).sum();
        }
        assertEquals((long) threads * each, handled);
        assertEquals(handled, inBuckets);
    }
}
