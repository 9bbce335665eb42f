package dev.kiamms.bus;

import dev.kiamms.pipeline.ActionPipeline;
import dev.kiamms.pipeline.EventPipeline;
import dev.kiamms.metrics.CountingStats;
import dev.kiamms.pipeline.Intake;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.EnvelopeValidator;
import dev.kiamms.protocol.Reply;
import dev.kiamms.testing.NatsServerFixture;
import dev.kiamms.testing.RecordingActionHandler;

import com.fasterxml.jackson.databind.JsonNode;

import io.nats.client.Connection;
import io.nats.client.Nats;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A non-blocking action with several dispatchers: its requests run at once, and all of them go when it is dropped. */
class ActionDispatchersTest {

    private static final int DISPATCHERS = 3;
    private static final int REQUESTS = 12;

    @Test
    void severalDispatchersAnswerOneActionAtOnceAndAllLeaveTogether() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        CountDownLatch twoInside = new CountDownLatch(2);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        // Each call waits (bounded) until a second one is in the handler too, which only another
        // dispatcher thread can bring about: with a single dispatcher this stays at one.
        RecordingActionHandler<JsonNode> slow = new RecordingActionHandler<>("slow", JsonNode.class, (p, c) -> {
            mostAtOnce.accumulateAndGet(inside.incrementAndGet(), Math::max);
            threads.add(Thread.currentThread().getName());
            twoInside.countDown();
            try {
                twoInside.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inside.decrementAndGet();
            return Map.of("ok", true);
        });
        EnvelopeCodec codec = new EnvelopeCodec();
        Intake intake = new Intake(codec, new EnvelopeValidator(), MicroClock.system());
        CountingStats stats = new CountingStats();
        try (NatsServerFixture nats = NatsServerFixture.start();
             KrossIamClient kiam = KrossIamClient.connect(nats.url())) {
            Connection connection = Nats.connect(nats.url());
            MessageBus bus = new MessageBus(connection, "kiam-ms", new ActionPipeline(intake, stats),
                    new EventPipeline(intake, stats),
                    MessageBus.Workers.DEFAULT.withDispatchers(DISPATCHERS));
            assertEquals(List.of("kiam.console.action.slow"), bus.subscribe(List.of(slow), List.of()));
            connection.flush(Duration.ofSeconds(5));

            ExecutorService senders = Executors.newFixedThreadPool(REQUESTS);
            List<Future<KrossIamClient.Exchange>> sent = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                int n = i;
                sent.add(senders.submit(() -> kiam.request("slow", Map.of("i", n), Duration.ofSeconds(30))));
            }
            for (Future<KrossIamClient.Exchange> f : sent) {
                KrossIamClient.Exchange x = f.get(60, TimeUnit.SECONDS);
                Reply r = x.reply();
                assertEquals(0, r.code(), r.toString());
                assertEquals(x.reqid(), r.reqid());
            }
            senders.shutdown();
            System.out.println("dispatcher threads seen: " + threads + ", most requests in the handler at once: " + mostAtOnce);
            assertEquals(REQUESTS, slow.count(), "each request handled once");
            // The broker picks a member of the queue group at random: all 12 on one of 3 has p = 3^-11.
            assertTrue(mostAtOnce.get() >= 2, "requests ran one at a time: " + mostAtOnce);
            assertTrue(threads.size() >= 2, "one thread did all: " + threads);

            // Dropping the action unsubscribes every one of its dispatchers: nobody answers any more.
            assertEquals(List.of(), bus.updateActions(List.of()));
            KrossIamClient.RequestFailed gone = assertThrows(KrossIamClient.RequestFailed.class,
                    () -> kiam.request("slow", Map.of("i", -1), Duration.ofSeconds(5)));
            assertTrue(gone.getMessage().startsWith("no responders"), gone.getMessage());
            assertEquals(REQUESTS, slow.count());

            assertTrue(bus.drain(Duration.ofSeconds(10)), "drain completes");
            connection.close();
        }
    }

    @Test
    void theDefaultIsOnePerCoreUpToFourAndOneOnTwoCoresOrFewer() {
        assertEquals(1, MessageBus.Workers.defaultDispatchers(1));
        assertEquals(1, MessageBus.Workers.defaultDispatchers(2));
        assertEquals(3, MessageBus.Workers.defaultDispatchers(3));
        assertEquals(4, MessageBus.Workers.defaultDispatchers(16));
        assertEquals(MessageBus.Workers.DEFAULT, MessageBus.Workers.DEFAULT.withDispatchers(0));
        assertEquals(5, MessageBus.Workers.DEFAULT.withDispatchers(5).dispatchersPerAction());
        assertThrows(IllegalArgumentException.class, () -> new MessageBus.Workers(16, 1000, 0));
    }
}
