package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.iplocation.IpLocationRequest;
import dev.kiamms.testing.GeoIpTestData;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stopping under load: every request kiam-ms accepted is answered; none is left to time out or to
 * be cancelled when the broker goes. A stop that drains first unsubscribes, so a request that
 * comes after that fails at once with "no responders", and the broker stops only once every
 * client has seen that: "no responders" is the only failure allowed after the stop began, and
 * none before it.
 */
@Timeout(90)
class GracefulStopTest {

    private static final int CLIENTS = 4;

    @TempDir
    Path dir;

    @Test
    void noAcceptedRequestIsLeftWithoutAReplyWhenKiamMsStops() throws Exception {
        TestInstance instance = new TestInstance(dir, "geoip:\n  path: " + GeoIpTestData.city(dir) + "\n");
        Appliance appliance = instance.appliance();
        appliance.start();
        AtomicBoolean stopping = new AtomicBoolean(false);
        AtomicInteger answeredBefore = new AtomicInteger();
        AtomicInteger answeredAfter = new AtomicInteger();
        AtomicInteger noRespondersAfter = new AtomicInteger();
        // Every outcome that is neither an answer nor "no responders" after the stop began.
        List<String> wrong = new CopyOnWriteArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> running = new ArrayList<>();
        try {
            for (int c = 0; c < CLIENTS; c++) {
                running.add(clients.submit(() -> {
                    try (KrossIamClient kiam = KrossIamClient.connect(KrossIamClient.options(instance.url(BrokerCredentials.KIAM))
                            .maxReconnects(0).build())) {
                        while (true) {
                            boolean after = stopping.get(); // read before sending: the outcome is at least this late
                            try {
                                KrossIamClient.Exchange x = kiam.request("iplocation",
                                        new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(5));
                                if (x.reply().code() != 0) {
                                    wrong.add("reply with code " + x.reply().code() + ": " + x.reply().message());
                                }
                                (stopping.get() ? answeredAfter : answeredBefore).incrementAndGet();
                            } catch (KrossIamClient.RequestFailed e) {
                                if (stopping.get() && e.getMessage().startsWith("no responders")) {
                                    noRespondersAfter.incrementAndGet();
                                } else {
                                    wrong.add((after || stopping.get() ? "after" : "before") + " the stop began: " + e.getMessage());
                                }
                                return null; // the action is gone (or something broke): this client is done
                            }
                        }
                    }
                }));
            }
            Thread.sleep(1000);
            stopping.set(true);
            long t0 = System.nanoTime();
            appliance.stop();
            System.out.println("stop took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS); // a client that could not connect, or threw, fails the test here
            }
        } finally {
            clients.shutdownNow();
            appliance.stop();
        }
        System.out.println("answered " + answeredBefore.get() + " before and " + answeredAfter.get()
                + " after the stop began; no responders " + noRespondersAfter.get() + "; wrong " + wrong);
        assertTrue(answeredBefore.get() >= 50, "requests flowed before the stop: " + answeredBefore.get());
        assertEquals(List.of(), wrong, "outcomes other than an answer, or \"no responders\" after the stop began");
        assertEquals(CLIENTS, noRespondersAfter.get(), "every client saw the action go away as \"no responders\"");
    }
}
