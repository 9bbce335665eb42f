package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.users.AppRole;
import dev.kiamms.app.users.AppUser;
import dev.kiamms.app.users.AppUsers;
import dev.kiamms.app.users.BrokerUsers;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.iplocation.IpLocationRequest;
import dev.kiamms.protocol.Reply;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.GeoIpTestData;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.nats.client.Connection;
import io.nats.client.Nats;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Handing iplocation over to an operator's app: switched off in kiam-ms, answered by an app user
 * with the action:iplocation role, and every KrossIAM request reaches that app only.
 */
class HandOverTest {

    private static final String APP_CITY = "answered by the app";

    @TempDir
    Path dir;

    private Appliance appliance;

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.stop();
        }
    }

    private static String city(KrossIamClient kiam) throws Exception {
        Reply reply = kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(5)).reply();
        assertEquals(0, reply.code(), reply.message());
        return (String) ((Map<?, ?>) reply.payload()).get("city");
    }

    private static long handledByKiamMs(Appliance appliance) {
        // Counted by action key: the subject would find nothing and the check below could never fail.
        var counts = appliance.stats().snapshot().handlers().get("iplocation");
        return counts == null ? 0 : counts.handled() + counts.failed() + counts.refused();
    }

    @Test
    void anAppAnswersIplocationOnceKiamMsHasSwitchedItOff() throws Exception {
        TestInstance instance = new TestInstance(dir, "geoip:\n  path: " + GeoIpTestData.city(dir) + "\n");
        Path config = instance.paths.configFile();
        String base = Files.readString(config);
        appliance = instance.appliance();
        appliance.start();
        AppUser geoApp = new AppUsers(instance.paths.appUsersFile()).add("geo-app", List.of(AppRole.parse("action:iplocation")));
        assertEquals(BrokerUsers.Outcome.RELOADED, appliance.reload().brokerUsers());

        ObjectMapper json = new ObjectMapper();
        AtomicInteger answeredByApp = new AtomicInteger();
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM));
             Connection app = Nats.connect("nats://geo-app:" + geoApp.password() + "@127.0.0.1:" + instance.port)) {
            app.createDispatcher(m -> {
                try {
                    String reqid = json.readTree(m.getData()).path("reqid").asText();
                    Reply reply = Reply.ok(reqid, System.currentTimeMillis() * 1000, Map.of("continent", "", "country", "",
                            "city", APP_CITY, "longitude", 0.0, "latitude", 0.0, "timezone", ""));
                    answeredByApp.incrementAndGet(); // before the reply, which the test may see first
                    app.publish(m.getReplyTo(), json.writeValueAsBytes(reply));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }).subscribe(Subjects.action("iplocation"), "kiam-ms");
            app.flush(Duration.ofSeconds(2));

            // Both in one queue group: each request has one answer, from either.
            int londonBefore = 0;
            for (int i = 0; i < 40; i++) {
                String city = city(kiam);
                assertTrue(city.equals("London") || city.equals(APP_CITY), city);
                londonBefore += city.equals("London") ? 1 : 0;
            }
            assertTrue(londonBefore > 0 && londonBefore < 40, "shared between kiam-ms and the app: " + londonBefore + " of 40 by kiam-ms");

            Files.writeString(config, base + "service:\n  actions:\n    ip_location:\n      subscribe: false\n");
            assertTrue(appliance.reload().applied());
            long kiamMsBefore = handledByKiamMs(appliance);
            assertTrue(kiamMsBefore >= londonBefore, "kiam-ms counted the requests it answered: " + kiamMsBefore);
            int appBefore = answeredByApp.get();
            for (int i = 0; i < 50; i++) {
                assertEquals(APP_CITY, city(kiam), "request " + i + " reaches the app only");
            }
            assertEquals(kiamMsBefore, handledByKiamMs(appliance), "kiam-ms saw none of them");
            assertEquals(appBefore + 50, answeredByApp.get());

            // Handing it back: switch it on again and the app may leave.
            Files.writeString(config, base);
            assertTrue(appliance.reload().applied());
            // The app leaves as a well-behaved one does: it drains, so the broker stops routing
            // to it before its connection goes. A plain close races with requests in flight: the
            // broker may still pick its subscription in the queue group (seen once in CI: no reply).
            assertTrue(app.drain(Duration.ofSeconds(5)).get(10, java.util.concurrent.TimeUnit.SECONDS), "the app drained");
            assertEquals("London", city(kiam));
        }
    }
}
