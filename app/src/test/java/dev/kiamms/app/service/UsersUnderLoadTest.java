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
import io.nats.client.ConnectionListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Adding and removing app users makes nats-server reload its configuration while KrossIAM keeps
 * sending: no request may go unanswered and no other connection may drop.
 */
class UsersUnderLoadTest {

    private static final int CLIENTS = 4;
    private static final int ROUNDS = 8;

    @TempDir
    Path dir;

    private Appliance appliance;

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.stop();
        }
    }

    /** One KrossIAM-style sender: requests one after another until told to stop; counts sent and answered. */
    private record Tally(int sent, int answered, List<String> failures) {
    }

    @Test
    void usersComeAndGoWhileKrossIamSendsAndNoRequestIsLost() throws Exception {
        TestInstance instance = new TestInstance(dir, "geoip:\n  path: " + GeoIpTestData.city(dir) + "\n");
        appliance = instance.appliance();
        appliance.start();
        AppUsers store = new AppUsers(instance.paths.appUsersFile());
        AppUser watcher = store.add("watcher", List.of(AppRole.parse("notice-reader")));
        AppUser helper = store.add("helper", List.of(AppRole.parse("action:iplocation")));
        assertEquals(BrokerUsers.Outcome.RELOADED, appliance.reload().brokerUsers());

        List<ConnectionListener.Events> events = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try (KrossIamClient kiam = KrossIamClient.connect(KrossIamClient.options(instance.url(BrokerCredentials.KIAM))
                .connectionListener((c, e) -> events.add(e)).build());
             Connection app = Nats.connect(new Options.Builder()
                     .server("nats://watcher:" + watcher.password() + "@127.0.0.1:" + instance.port)
                     .connectionListener((c, e) -> events.add(e)).build())) {
            Subscription notices = app.subscribe(Subjects.NOTICE_PREFIX + ">");
            app.flush(Duration.ofSeconds(2));
            // An app sharing iplocation with kiam-ms: its replies must cross the reloads too.
            Connection responder = Nats.connect(new Options.Builder()
                    .server("nats://helper:" + helper.password() + "@127.0.0.1:" + instance.port)
                    .connectionListener((c, e) -> events.add(e)).build());
            AtomicInteger answeredByApp = new AtomicInteger();
            ObjectMapper json = new ObjectMapper();
            responder.createDispatcher(m -> {
                try {
                    String reqid = json.readTree(m.getData()).path("reqid").asText();
                    answeredByApp.incrementAndGet();
                    responder.publish(m.getReplyTo(), json.writeValueAsBytes(Reply.ok(reqid, System.currentTimeMillis() * 1000,
                            Map.of("city", "app"))));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }).subscribe(Subjects.action("iplocation"), "kiam-ms");
            responder.flush(Duration.ofSeconds(2));
            List<Future<Tally>> senders = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                senders.add(pool.submit(() -> {
                    int sent = 0;
                    int answered = 0;
                    List<String> failures = new ArrayList<>();
                    while (running.get()) {
                        sent++;
                        try {
                            Reply r = kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(10)).reply();
                            if (r.code() == 0) {
                                answered++;
                            } else {
                                failures.add(r.code() + " " + r.message());
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                    return new Tally(sent, answered, failures);
                }));
            }
            for (int round = 0; round < ROUNDS; round++) {
                String name = "app-" + round;
                store.add(name, List.of(AppRole.parse(round % 2 == 0 ? "audit-reader" : "action:iplocation")));
                Appliance.ReloadResult added = appliance.reload();
                assertEquals(BrokerUsers.Outcome.RELOADED, added.brokerUsers(), added.message());
                assertTrue(store.remove(name));
                Appliance.ReloadResult removed = appliance.reload();
                assertEquals(BrokerUsers.Outcome.RELOADED, removed.brokerUsers(), removed.message());
            }
            running.set(false);
            int sent = 0;
            int answered = 0;
            List<String> failures = new ArrayList<>();
            for (Future<Tally> f : senders) {
                Tally t = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                sent += t.sent();
                answered += t.answered();
                failures.addAll(t.failures());
            }
            assertTrue(failures.isEmpty(), failures.size() + " of " + sent + " requests failed: " + failures.subList(0, Math.min(5, failures.size())));
            assertEquals(sent, answered);
            assertTrue(sent >= ROUNDS * 2, "requests were in flight across the reloads: " + sent);
            assertTrue(answeredByApp.get() > 0 && answeredByApp.get() < sent, "kiam-ms and the app shared the requests: "
                    + answeredByApp.get() + " of " + sent + " by the app");
            responder.close();
            assertFalse(events.contains(ConnectionListener.Events.DISCONNECTED), "no connection dropped: " + events);

            kiam.connection().publish(Subjects.notice("signin"), "{}".getBytes(StandardCharsets.UTF_8));
            kiam.flush(Duration.ofSeconds(2));
            assertNotNull(notices.nextMessage(Duration.ofSeconds(3)), "the app user added first still receives");
        } finally {
            running.set(false);
            pool.shutdownNow();
        }
    }
}
