package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.iplocation.IpLocationRequest;
import dev.kiamms.testing.GeoIpTestData;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stopping under load: every request kiam-ms accepted is answered; none is left to time out. */
class GracefulStopTest {

    @TempDir
    Path dir;

    @Test
    void noAcceptedRequestIsLeftWithoutAReplyWhenKiamMsStops() throws Exception {
        TestInstance instance = new TestInstance(dir, "geoip:\n  path: " + GeoIpTestData.city(dir) + "\n");
        Appliance appliance = instance.appliance();
        appliance.start();
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicBoolean stopping = new AtomicBoolean(false);
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger timedOut = new AtomicInteger();
        List<String> otherFailures = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            running.add(clients.submit(() -> {
                try (KrossIamClient kiam = KrossIamClient.connect(KrossIamClient.options(instance.url(BrokerCredentials.KIAM))
                        .maxReconnects(0).build())) {
                    while (sending.get()) {
                        try {
                            kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(5));
                            answered.incrementAndGet();
                        } catch (KrossIamClient.RequestFailed e) {
                            if (e.getMessage().contains("no reply")) {
                                timedOut.incrementAndGet();
                            } else if (!stopping.get()) {
                                otherFailures.add("before the stop: " + e.getMessage());
                            } else {
                                otherFailures.add(e.getMessage());
                            }
                            if (!e.getMessage().contains("no reply")) {
                                return null; // no responders, or the broker is gone: stop this client
                            }
                        }
                    }
                }
                return null;
            }));
        }
        Thread.sleep(1000);
        stopping.set(true);
        appliance.stop();
        sending.set(false);
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException closedUnderneath) {
                // the client's connection went away with the broker: not a lost request
            }
        }
        clients.shutdown();
        System.out.println("answered " + answered.get() + ", timed out " + timedOut.get() + ", refused at once " + otherFailures.size());
        assertTrue(answered.get() > 100, "requests flowed before the stop");
        assertEquals(0, timedOut.get(), "no accepted request was left to time out");
        assertTrue(otherFailures.stream().noneMatch(f -> f.startsWith("before the stop")), otherFailures.toString());
    }
}
