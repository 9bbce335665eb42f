package dev.kiamms.pipeline;

import dev.kiamms.pipeline.RecentRequests.Answer;
import dev.kiamms.pipeline.RecentRequests.Claim;
import dev.kiamms.pipeline.RecentRequests.Computed;
import dev.kiamms.pipeline.RecentRequests.Ran;
import dev.kiamms.pipeline.RecentRequests.Repeated;
import dev.kiamms.pipeline.RecentRequests.StillRunning;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecentRequestsTest {

    private static final Duration WINDOW = Duration.ofMinutes(5);

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AtomicInteger runs = new AtomicInteger();

    private RecentRequests recent(Duration window, int maxEntries) {
        return new RecentRequests(window, maxEntries, Duration.ofSeconds(10), nanos::get);
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    /** A computation that counts its runs and answers with a reply naming the run. */
    private Computed counted() {
        return Computed.reuse(("reply " + runs.incrementAndGet()).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytes(Answer answer) {
        if (answer instanceof Ran ran) {
            return ran.reply();
        }
        return assertInstanceOf(Repeated.class, answer).reply();
    }

    private static String text(Answer answer) {
        return new String(bytes(answer), StandardCharsets.UTF_8);
    }

    @Test
    void duplicateActionGetsTheFirstReplyAndComputesOnce() {
        RecentRequests recent = recent(WINDOW, 100);
        Answer first = recent.answerOnce("r1", this::counted);
        Answer second = recent.answerOnce("r1", this::counted);
        Answer third = recent.answerOnce("r1", this::counted);

        Ran ran = assertInstanceOf(Ran.class, first);
        assertTrue(ran.stored());
        assertSame(ran.reply(), assertInstanceOf(Repeated.class, second).reply());
        assertArrayEquals(ran.reply(), bytes(third));
        assertEquals(1, runs.get());
        assertEquals(2, recent.hits());
        assertEquals(1, recent.size());
    }

    @Test
    void differentReqidsComputeSeparately() {
        RecentRequests recent = recent(WINDOW, 100);
        assertEquals("reply 1", text(recent.answerOnce("a", this::counted)));
        assertEquals("reply 2", text(recent.answerOnce("b", this::counted)));
        assertEquals("reply 1", text(recent.answerOnce("a", this::counted)));
        assertEquals(2, runs.get());
        assertEquals(1, recent.hits());
    }

    @Test
    void sixteenThreadsRacingOneReqidComputeOnceAndAllGetTheSameBytes() throws Exception {
        RecentRequests recent = new RecentRequests(WINDOW, 100, Duration.ofSeconds(30), System::nanoTime);
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Answer>> answers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                answers.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return recent.answerOnce("race", () -> {
                        Computed c = counted();
                        sleep(150); // long enough for every other thread to arrive and wait
                        return c;
                    });
                }));
            }
            assertTrue(ready.await(10, TimeUnit.SECONDS));
            go.countDown();
            byte[] first = null;
            int ran = 0;
            for (Future<Answer> f : answers) {
                Answer a = f.get(20, TimeUnit.SECONDS);
                if (a instanceof Ran) {
                    ran++;
                }
                byte[] b = bytes(a);
                if (first == null) {
                    first = b;
                }
                assertSame(first, b, "every caller gets the very same reply bytes");
            }
            assertEquals(1, runs.get());
            assertEquals(1, ran);
            assertEquals(threads - 1, recent.hits());
            assertEquals(0, recent.stillRunning());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void afterTheWindowTheComputationRunsAgain() {
        RecentRequests recent = recent(Duration.ofSeconds(60), 100);
        assertEquals("reply 1", text(recent.answerOnce("r", this::counted)));
        advance(Duration.ofSeconds(59));
        assertEquals("reply 1", text(recent.answerOnce("r", this::counted)));
        advance(Duration.ofSeconds(1));
        Answer again = recent.answerOnce("r", this::counted);
        assertEquals("reply 2", text(assertInstanceOf(Ran.class, again)));
        // ...and the new reply is the one remembered from now on.
        assertEquals("reply 2", text(assertInstanceOf(Repeated.class, recent.answerOnce("r", this::counted))));
        assertEquals(2, runs.get());
        assertEquals(1, recent.size());
    }

    @Test
    void theWindowCountsFromTheStoredReplyNotTheStart() {
        RecentRequests recent = recent(Duration.ofSeconds(60), 100);
        recent.answerOnce("slow", () -> {
            advance(Duration.ofSeconds(50)); // the handler takes 50 s
            return counted();
        });
        advance(Duration.ofSeconds(30));
        assertInstanceOf(Repeated.class, recent.answerOnce("slow", this::counted));
        assertEquals(1, runs.get());
    }

    @Test
    void aThrowingComputationIsNotRemembered() {
        RecentRequests recent = recent(WINDOW, 100);
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> recent.answerOnce("r", () -> {
                    runs.incrementAndGet();
                    throw new IllegalStateException("boom");
                }));
        assertEquals("boom", thrown.getMessage());
        assertEquals(0, recent.size());

        Answer retry = recent.answerOnce("r", this::counted);
        assertTrue(assertInstanceOf(Ran.class, retry).stored());
        assertEquals("reply 2", text(retry));
        assertEquals("reply 2", text(assertInstanceOf(Repeated.class, recent.answerOnce("r", this::counted))));
        assertEquals(1, recent.hits());
    }

    @Test
    void aReplyMarkedOnceIsNotRemembered() {
        RecentRequests recent = recent(WINDOW, 100);
        Answer refused = recent.answerOnce("r", () -> Computed.once("refused".getBytes(StandardCharsets.UTF_8)));
        assertFalse(assertInstanceOf(Ran.class, refused).stored());
        assertEquals("refused", text(refused));
        assertEquals(0, recent.size());
        assertEquals("reply 1", text(assertInstanceOf(Ran.class, recent.answerOnce("r", this::counted))));
        assertEquals(0, recent.hits());
    }

    @Test
    void aComputationReturningNullIsAnErrorAndNotRemembered() {
        RecentRequests recent = recent(WINDOW, 100);
        assertThrows(NullPointerException.class, () -> recent.answerOnce("r", () -> null));
        assertEquals(0, recent.size());
        assertInstanceOf(Ran.class, recent.answerOnce("r", this::counted));
    }

    @Test
    void aWaitingCopyRunsItselfWhenTheFirstCopyFails() throws Exception {
        RecentRequests recent = new RecentRequests(WINDOW, 100, Duration.ofSeconds(30), System::nanoTime);
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Answer> first = pool.submit(() -> recent.answerOnce("r", () -> {
                firstRunning.countDown();
                await(releaseFirst);
                throw new IllegalStateException("first copy failed");
            }));
            assertTrue(firstRunning.await(10, TimeUnit.SECONDS));
            Future<Answer> second = pool.submit(() -> recent.answerOnce("r", this::counted));
            sleep(100); // let the second copy start waiting
            assertFalse(second.isDone(), "the second copy waits for the first");
            releaseFirst.countDown();

            Exception failure = assertThrows(Exception.class, () -> first.get(10, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, failure.getCause());
            Answer retried = second.get(10, TimeUnit.SECONDS);
            assertEquals("reply 1", text(assertInstanceOf(Ran.class, retried)));
            assertEquals(0, recent.hits());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCopyGivesUpAfterMaxWaitWithoutRunning() throws Exception {
        RecentRequests recent = new RecentRequests(WINDOW, 100, Duration.ofMillis(100), System::nanoTime);
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Answer> first = pool.submit(() -> recent.answerOnce("r", () -> {
                firstRunning.countDown();
                await(releaseFirst);
                return counted();
            }));
            assertTrue(firstRunning.await(10, TimeUnit.SECONDS));
            long started = System.nanoTime();
            Answer copy = recent.answerOnce("r", this::counted);
            long waited = System.nanoTime() - started;
            assertInstanceOf(StillRunning.class, copy);
            assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(90), "waited " + waited + " ns");
            assertEquals(1, recent.stillRunning());
            assertEquals(0, recent.hits());

            releaseFirst.countDown();
            assertInstanceOf(Ran.class, first.get(10, TimeUnit.SECONDS));
            assertEquals("reply 1", text(assertInstanceOf(Repeated.class, recent.answerOnce("r", this::counted))));
            assertEquals(1, runs.get());
        } finally {
            releaseFirst.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void anInterruptedWaitGivesUpAndKeepsTheFlag() throws Exception {
        RecentRequests recent = new RecentRequests(WINDOW, 100, Duration.ofSeconds(30), System::nanoTime);
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            pool.submit(() -> recent.answerOnce("r", () -> {
                firstRunning.countDown();
                await(releaseFirst);
                return counted();
            }));
            assertTrue(firstRunning.await(10, TimeUnit.SECONDS));
            Thread.currentThread().interrupt();
            assertInstanceOf(StillRunning.class, recent.answerOnce("r", this::counted));
            assertTrue(Thread.interrupted(), "interrupt flag restored (and cleared here)");
        } finally {
            releaseFirst.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void whenFullTheOldestIsDropped() {
        RecentRequests recent = recent(WINDOW, 3);
        for (String reqid : List.of("a", "b", "c", "d")) {
            recent.answerOnce(reqid, this::counted);
        }
        assertEquals(3, recent.size());
        assertEquals(4, runs.get());
        // b, c, d are remembered (looking them up inserts nothing)...
        assertEquals("reply 2", text(assertInstanceOf(Repeated.class, recent.answerOnce("b", this::counted))));
        assertEquals("reply 3", text(assertInstanceOf(Repeated.class, recent.answerOnce("c", this::counted))));
        assertEquals("reply 4", text(assertInstanceOf(Repeated.class, recent.answerOnce("d", this::counted))));
        // ...a, the oldest, was dropped: it runs again, and drops b in turn.
        assertEquals("reply 5", text(assertInstanceOf(Ran.class, recent.answerOnce("a", this::counted))));
        assertEquals(3, recent.size());
        assertInstanceOf(Ran.class, recent.answerOnce("b", this::counted));
        assertEquals(3, recent.size());
    }

    @Test
    void forgottenAndFailedEntriesDoNotCountAgainstTheBoundForLong() {
        RecentRequests recent = recent(WINDOW, 3);
        for (int i = 0; i < 50; i++) {
            String reqid = "fail" + i;
            assertThrows(IllegalStateException.class, () -> recent.answerOnce(reqid, () -> {
                throw new IllegalStateException("no");
            }));
            recent.firstTime("ev" + i);
            recent.forget("ev" + i);
        }
        assertEquals(0, recent.size());
        recent.answerOnce("kept1", this::counted);
        recent.answerOnce("kept2", this::counted);
        recent.answerOnce("kept3", this::counted);
        assertEquals(3, recent.size());
        assertInstanceOf(Repeated.class, recent.answerOnce("kept1", this::counted));
    }

    @Test
    void expiredEntriesAreSweptOnInsert() {
        RecentRequests recent = recent(Duration.ofSeconds(10), 100_000);
        for (int i = 0; i < 1_000; i++) {
            recent.answerOnce("old" + i, this::counted);
            recent.firstTime("oldevent" + i);
        }
        assertEquals(2_000, recent.size());
        advance(Duration.ofSeconds(10));
        recent.firstTime("new");
        assertEquals(1, recent.size());
    }

    @Test
    void eventsAreHandledTheFirstTimeOnly() {
        RecentRequests recent = recent(Duration.ofSeconds(60), 100);
        assertTrue(recent.firstTime("e1"));
        assertFalse(recent.firstTime("e1"));
        assertFalse(recent.firstTime("e1"));
        assertTrue(recent.firstTime("e2"));
        assertEquals(2, recent.hits());

        advance(Duration.ofSeconds(60));
        assertTrue(recent.firstTime("e1"), "after the window the reqid is new again");
        assertFalse(recent.firstTime("e1"));
    }

    @Test
    void aForgottenEventIsHandledAgain() {
        RecentRequests recent = recent(WINDOW, 100);
        assertTrue(recent.firstTime("e"));
        recent.forget("e"); // its handling failed
        assertTrue(recent.firstTime("e"), "the redelivery is handled");
        assertFalse(recent.firstTime("e"));
        recent.forget("never-seen"); // harmless
        recent.forget(null);
        assertEquals(1, recent.size());
    }

    @Test
    void aClaimTellsHandledFromStillRunning() {
        RecentRequests recent = recent(Duration.ofSeconds(60), 100);
        assertEquals(Claim.FIRST, recent.claim("e"));
        assertEquals(Claim.RUNNING, recent.claim("e"), "a redelivery while the first copy runs");
        advance(Duration.ofSeconds(40)); // the handler takes 40 s
        recent.handled("e");
        assertEquals(Claim.DONE, recent.claim("e"));
        advance(Duration.ofSeconds(59)); // the window counts from handled()
        assertEquals(Claim.DONE, recent.claim("e"));
        advance(Duration.ofSeconds(1));
        assertEquals(Claim.FIRST, recent.claim("e"));
        assertEquals(3, recent.hits());
    }

    @Test
    void aFailedClaimIsForgottenAndTheRedeliveryIsFirst() {
        RecentRequests recent = recent(WINDOW, 100);
        assertEquals(Claim.FIRST, recent.claim("e"));
        recent.forget("e");
        assertEquals(Claim.FIRST, recent.claim("e"));
        recent.handled("e");
        assertEquals(Claim.DONE, recent.claim("e"));
    }

    @Test
    void aClaimNeverReportedLapsesAfterTheWindow() {
        RecentRequests recent = recent(Duration.ofSeconds(60), 100);
        assertEquals(Claim.FIRST, recent.claim("e"));
        advance(Duration.ofSeconds(60));
        assertEquals(Claim.FIRST, recent.claim("e"), "the first claimer never reported: taken over");
        // A lapsed claim is also swept, so it cannot pin the memory.
        assertEquals(1, recent.size());
        advance(Duration.ofSeconds(60));
        recent.claim("other");
        assertEquals(1, recent.size());
    }

    @Test
    void handledRemembersAReqidDroppedWhileItRan() {
        RecentRequests recent = recent(WINDOW, 1);
        assertEquals(Claim.FIRST, recent.claim("slow"));
        assertEquals(Claim.FIRST, recent.claim("other")); // drops "slow" for the bound
        recent.handled("slow");
        assertEquals(Claim.DONE, recent.claim("slow"));
        recent.handled(null); // harmless
        recent.handled("");
    }

    @Test
    void forgettingAnActionRunsItAgain() {
        RecentRequests recent = recent(WINDOW, 100);
        recent.answerOnce("r", this::counted);
        recent.forget("r");
        assertEquals("reply 2", text(assertInstanceOf(Ran.class, recent.answerOnce("r", this::counted))));
    }

    @Test
    void nullOrBlankReqidsAreNeverRemembered() {
        RecentRequests recent = recent(WINDOW, 100);
        for (String reqid : new String[] {null, "", "  "}) {
            Answer a = recent.answerOnce(reqid, this::counted);
            assertFalse(assertInstanceOf(Ran.class, a).stored());
            assertInstanceOf(Ran.class, recent.answerOnce(reqid, this::counted));
            assertTrue(recent.firstTime(reqid));
            assertTrue(recent.firstTime(reqid));
        }
        assertEquals(6, runs.get());
        assertEquals(0, recent.size());
        assertEquals(0, recent.hits());
    }

    @Test
    void aZeroWindowDisablesEverything() {
        for (RecentRequests recent : List.of(recent(Duration.ZERO, 100), recent(Duration.ZERO, 0), RecentRequests.disabled())) {
            runs.set(0);
            assertFalse(recent.enabled());
            assertEquals("reply 1", text(assertInstanceOf(Ran.class, recent.answerOnce("r", this::counted))));
            assertEquals("reply 2", text(assertInstanceOf(Ran.class, recent.answerOnce("r", this::counted))));
            assertTrue(recent.firstTime("e"));
            assertTrue(recent.firstTime("e"));
            assertEquals(0, recent.size());
            assertEquals(0, recent.hits());
        }
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> recent(Duration.ofSeconds(-1), 10));
        assertThrows(IllegalArgumentException.class, () -> recent(WINDOW, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new RecentRequests(WINDOW, 10, Duration.ofSeconds(-1), System::nanoTime));
        RecentRequests huge = new RecentRequests(Duration.ofDays(365L * 1_000_000), 10);
        assertTrue(huge.enabled());
        assertTrue(huge.firstTime("x"));
        assertFalse(huge.firstTime("x"));
        assertEquals(WINDOW, recent(WINDOW, 7).window());
        assertEquals(7, recent(WINDOW, 7).maxEntries());
    }

    @Test
    void manyThreadsOnManyReqidsStayWithinTheBound() throws Exception {
        RecentRequests recent = new RecentRequests(WINDOW, 1_000, Duration.ofSeconds(30), System::nanoTime);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        String reqid = "r" + (i % 3_000);
                        if ((i + id) % 2 == 0) {
                            recent.answerOnce(reqid, () -> Computed.reuse(reqid.getBytes(StandardCharsets.UTF_8)));
                        } else if (!recent.firstTime("e" + reqid) && i % 7 == 0) {
                            recent.forget("e" + reqid);
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertTrue(recent.size() <= 1_000 + threads, "size " + recent.size());
            // Every remembered action reply is the one for its own reqid.
            Answer a = recent.answerOnce("r5", () -> Computed.reuse("r5".getBytes(StandardCharsets.UTF_8)));
            assertEquals("r5", text(a));
        } finally {
            pool.shutdownNow();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
