package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerConfigWriter;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.users.AppRole;
import dev.kiamms.app.users.AppUser;
import dev.kiamms.app.users.AppUsers;
import dev.kiamms.app.users.BrokerUsers;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.Await;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats.service.Discovery;
import io.nats.service.StatsResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each app role against the real broker: what it may receive or answer, and that everything
 * else is refused. Every "cannot receive" check has a control subscriber that does receive the
 * same message, so no check passes because nothing was sent.
 */
class AppUserRolesTest {

    @TempDir
    static Path dir;

    static TestInstance instance;
    static Appliance appliance;
    static Map<String, AppUser> users;

    @BeforeAll
    static void start() throws IOException {
        instance = new TestInstance(dir, "");
        appliance = instance.appliance();
        appliance.start();
        // Added while running: the broker must take them by reloading, not by a restart.
        AppUsers store = new AppUsers(instance.paths.appUsersFile());
        users = Map.of(
                "notices", store.add("notices", List.of(AppRole.parse("notice-reader"))),
                "audits", store.add("audits", List.of(AppRole.parse("audit-reader"))),
                "logs", store.add("logs", List.of(AppRole.parse("log-reader"))),
                "pinger", store.add("pinger", List.of(AppRole.parse("action:ping"))),
                "monitor", store.add("monitor", List.of(AppRole.parse("service-monitor"))));
        Appliance.ReloadResult r = appliance.reload();
        assertEquals(BrokerUsers.Outcome.RELOADED, r.brokerUsers(), r.message());
    }

    @AfterAll
    static void stop() {
        appliance.stop();
    }

    private static String url(String user) {
        return "nats://" + user + ":" + users.get(user).password() + "@127.0.0.1:" + instance.port;
    }

    /** A connection that records the broker's permission errors. */
    private static Connection connect(String url, List<String> errors) throws Exception {
        return Nats.connect(new Options.Builder().server(url).maxReconnects(0).errorListener(new ErrorListener() {
            @Override
            public void errorOccurred(Connection conn, String error) {
                errors.add(error);
            }
        }).build());
    }

    /** Published by KrossIAM on {@code subject}: received by {@code allowed}, refused to {@code denied}. */
    private static void assertOnlyAllowedReceives(String subject, Connection allowed, String allowedPattern,
                                                  Connection denied, String deniedPattern, List<String> deniedErrors) throws Exception {
        Subscription yes = allowed.subscribe(allowedPattern);
        Subscription no = denied.subscribe(deniedPattern);
        allowed.flush(Duration.ofSeconds(2));
        denied.flush(Duration.ofSeconds(2));
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            kiam.connection().publish(subject, "{}".getBytes(StandardCharsets.UTF_8));
            kiam.flush(Duration.ofSeconds(2));
        }
        assertNotNull(yes.nextMessage(Duration.ofSeconds(3)), "the allowed user receives " + subject);
        assertNull(no.nextMessage(Duration.ofMillis(300)), deniedPattern + " must not be readable");
        Await.until(Duration.ofSeconds(3), () -> deniedErrors.stream()
                        .anyMatch(e -> e.contains("Permissions Violation") && e.contains(deniedPattern)),
                () -> "the broker refuses the subscription to " + deniedPattern + ": " + deniedErrors);
        yes.unsubscribe();
    }

    @Test
    void noAppUserTouchesKiamMsStreamItsDurableConsumerOrItsDeliveryRecords() throws Exception {
        String stream = dev.kiamms.bus.DurableEvents.STREAM;
        String durable = dev.kiamms.bus.DurableEvents.AUDIT_CONSUMER;
        String bucket = dev.kiamms.bus.DeliveryLedger.BUCKET;
        io.nats.client.JetStreamOptions quick = io.nats.client.JetStreamOptions.builder()
                .requestTimeout(Duration.ofSeconds(2)).build();
        io.nats.client.KeyValueOptions quickKv = io.nats.client.KeyValueOptions.builder()
                .jetStreamOptions(quick).build();
        // Control: kiam-ms's own user sees all three under these names, so a refusal below is not
        // a misspelt name.
        try (Connection own = Nats.connect(instance.url(BrokerCredentials.MSS))) {
            io.nats.client.JetStreamManagement jsm = own.jetStreamManagement(quick);
            assertEquals(stream, jsm.getStreamInfo(stream).getConfiguration().getName());
            assertEquals(durable, jsm.getConsumerInfo(stream, durable).getName());
            assertEquals(bucket, own.keyValueManagement(quickKv).getStatus(bucket).getBucketName());
        }
        for (String user : users.keySet()) {
            List<String> errors = new CopyOnWriteArrayList<>();
            try (Connection app = connect(url(user), errors)) {
                io.nats.client.JetStreamManagement jsm = app.jetStreamManagement(quick);
                assertThrows(Exception.class, () -> jsm.addOrUpdateConsumer(stream,
                        io.nats.client.api.ConsumerConfiguration.builder().durable("sneaky-" + user).build()),
                        user + " creates a consumer on " + stream);
                assertThrows(Exception.class, () -> app.jetStream(quick).subscribe(Subjects.AUDIT_PREFIX + ">"),
                        user + " reads " + stream + " through an ephemeral consumer");
                assertThrows(Exception.class, () -> jsm.deleteConsumer(stream, durable), user + " deletes " + durable);
                assertThrows(Exception.class, () -> jsm.purgeStream(stream), user + " purges " + stream);
                assertThrows(Exception.class, () -> jsm.deleteStream(stream), user + " deletes " + stream);
                assertThrows(Exception.class, () -> app.keyValue(bucket, quickKv).put("sneaky", "1"),
                        user + " writes into " + bucket);
                assertThrows(Exception.class, () -> app.keyValue(bucket, quickKv).get("sneaky"), user + " reads " + bucket);
                assertTrue(errors.stream().anyMatch(e -> e.contains("Permissions Violation") && e.contains("$JS.API")),
                        "the broker itself refused " + user + ": " + errors);
            }
        }
        try (Connection own = Nats.connect(instance.url(BrokerCredentials.MSS))) {
            io.nats.client.JetStreamManagement jsm = own.jetStreamManagement(quick);
            assertEquals(durable, jsm.getConsumerInfo(stream, durable).getName(), "the durable consumer is still there");
            assertTrue(jsm.getConsumerNames(stream).stream().noneMatch(c -> c.startsWith("sneaky-")),
                    "and no consumer was added: " + jsm.getConsumerNames(stream));
            assertNull(own.keyValue(bucket, quickKv).get("sneaky"), "nothing was written into " + bucket);
        }
    }

    @Test
    void aNoticeReaderReadsNoticesButNotAuditsLogsOrActions() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        List<String> auditErrors = new CopyOnWriteArrayList<>();
        try (Connection notices = connect(url("notices"), errors);
             Connection audits = connect(url("audits"), auditErrors);
             Connection logs = connect(url("logs"), new CopyOnWriteArrayList<>());
             Connection tail = connect(instance.url(BrokerCredentials.TAIL), new CopyOnWriteArrayList<>())) {
            assertOnlyAllowedReceives(Subjects.audit("accountaddemail"), audits, Subjects.AUDIT_PREFIX + ">",
                    notices, Subjects.AUDIT_PREFIX + ">", errors);
            assertOnlyAllowedReceives(Subjects.LOG, logs, Subjects.LOG, notices, Subjects.LOG, errors);
            assertOnlyAllowedReceives(Subjects.action("ping"), tail, Subjects.ACTION_PREFIX + ">",
                    notices, Subjects.ACTION_PREFIX + ">", errors);
            // ...and what it is for:
            assertOnlyAllowedReceives(Subjects.notice("signin"), notices, Subjects.NOTICE_PREFIX + ">",
                    audits, Subjects.NOTICE_PREFIX + ">", auditErrors);
        }
    }

    @Test
    void anAuditReaderReadsAuditsButNotNoticesAndALogReaderOnlyLogs() throws Exception {
        List<String> auditErrors = new CopyOnWriteArrayList<>();
        List<String> logErrors = new CopyOnWriteArrayList<>();
        try (Connection notices = connect(url("notices"), new CopyOnWriteArrayList<>());
             Connection audits = connect(url("audits"), auditErrors);
             Connection logs = connect(url("logs"), logErrors)) {
            assertOnlyAllowedReceives(Subjects.notice("signin"), notices, Subjects.NOTICE_PREFIX + ">",
                    audits, Subjects.NOTICE_PREFIX + ">", auditErrors);
            assertOnlyAllowedReceives(Subjects.notice("signout"), notices, Subjects.NOTICE_PREFIX + ">",
                    logs, Subjects.NOTICE_PREFIX + ">", logErrors);
            assertOnlyAllowedReceives(Subjects.audit("accountaddemail"), audits, Subjects.AUDIT_PREFIX + ">",
                    logs, Subjects.AUDIT_PREFIX + ">", logErrors);
        }
    }

    @Test
    void noAppUserReadsAnInboxOrPublishesAsKrossIam() throws Exception {
        for (String name : users.keySet()) {
            List<String> errors = new CopyOnWriteArrayList<>();
            try (Connection app = connect(url(name), errors);
                 Connection watch = connect(instance.url(BrokerCredentials.TAIL), new CopyOnWriteArrayList<>())) {
                Subscription everything = watch.subscribe(Subjects.ALL);
                watch.flush(Duration.ofSeconds(2));
                app.subscribe(Subjects.INBOX_PREFIX + ".>");
                app.subscribe("_INBOX.>");
                for (String subject : List.of(Subjects.action("iplocation"), Subjects.notice("signin"),
                        Subjects.audit("accountaddemail"), Subjects.LOG)) {
                    app.publish(subject, "{}".getBytes(StandardCharsets.UTF_8));
                }
                boolean answers = users.get(name).answers();
                if (!answers) {
                    app.publish(Subjects.INBOX_PREFIX + ".abc.1", "{}".getBytes(StandardCharsets.UTF_8));
                }
                app.flush(Duration.ofSeconds(2));
                assertNull(everything.nextMessage(Duration.ofMillis(500)), name + " must not publish on kiam.console.>");
                int refusals = answers ? 6 : 7;
                Await.until(Duration.ofSeconds(3), () -> errors.stream().filter(e -> e.contains("Permissions Violation")).count() >= refusals,
                        () -> name + ": two inbox subscriptions and every publication refused: " + errors);
                assertTrue(errors.stream().anyMatch(e -> e.contains(Subjects.INBOX_PREFIX + ".>")), errors.toString());
            }
        }
    }

    @Test
    void anActionResponderAnswersOnlyItsActionAndOnlyInKiamMsQueueGroup() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        try (Connection pinger = connect(url("pinger"), errors);
             KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            pinger.subscribe(Subjects.action("ping"));
            pinger.subscribe(Subjects.action("ping"), "another-group");
            pinger.subscribe(Subjects.action("iplocation"), "kiam-ms");
            pinger.flush(Duration.ofSeconds(2));
            Await.until(Duration.ofSeconds(3), () -> errors.stream().filter(e -> e.contains("Permissions Violation")).count() >= 3,
                    () -> "a plain subscription, another queue group and another action are refused: " + errors);

            pinger.createDispatcher(m -> pinger.publish(m.getReplyTo(), "pong".getBytes(StandardCharsets.UTF_8)))
                    .subscribe(Subjects.action("ping"), "kiam-ms");
            pinger.flush(Duration.ofSeconds(2));
            byte[] answer = kiam.connection().request(Subjects.action("ping"), new byte[0], Duration.ofSeconds(5)).getData();
            assertEquals("pong", new String(answer, StandardCharsets.UTF_8), "answering in kiam-ms's queue group works");
        }
    }

    @Test
    void aServiceMonitorMayAskSrvAndReadTheAnswersButNothingElse() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        try (Connection monitor = Nats.connect(new Options.Builder().server(url("monitor")).maxReconnects(0)
                .inboxPrefix(BrokerConfigWriter.SERVICE_MONITOR_INBOX).errorListener(new ErrorListener() {
                    @Override
                    public void errorOccurred(Connection conn, String error) {
                        errors.add(error);
                    }
                }).build());
             Connection watch = connect(instance.url(BrokerCredentials.TAIL), new CopyOnWriteArrayList<>())) {
            Discovery discovery = new Discovery(monitor, 2000, 10);
            assertEquals(1, discovery.ping("kiam-ms").size(), "the monitor pings kiam-ms and reads the answer");
            List<StatsResponse> stats = discovery.stats("kiam-ms");
            assertEquals(1, stats.size(), "and its stats");
            assertTrue(stats.get(0).getEndpointStatsList().stream().anyMatch(e -> e.getName().equals("iplocation")),
                    stats.get(0).toJson());
            assertTrue(errors.isEmpty(), "nothing of that was refused: " + errors);

            // The control: the tail user sees what reaches kiam.console.>; the monitor must add nothing there.
            Subscription everything = watch.subscribe(Subjects.ALL);
            watch.flush(Duration.ofSeconds(2));
            monitor.publish(Subjects.action("iplocation"), "{}".getBytes(StandardCharsets.UTF_8));
            monitor.publish(Subjects.INBOX_PREFIX + ".abc.1", "{}".getBytes(StandardCharsets.UTF_8));
            monitor.subscribe(Subjects.action("iplocation"));
            monitor.subscribe(Subjects.action("iplocation"), "kiam-ms");
            monitor.subscribe("_INBOX.>");
            monitor.subscribe("$SRV.>");
            monitor.flush(Duration.ofSeconds(2));
            assertNull(everything.nextMessage(Duration.ofMillis(500)), "the monitor must not publish on kiam.console.>");
            Await.until(Duration.ofSeconds(3), () -> errors.stream().filter(e -> e.contains("Permissions Violation")).count() >= 6,
                    () -> "two publications and four subscriptions refused: " + errors);
            assertTrue(errors.stream().anyMatch(e -> e.contains("_INBOX.>")), errors.toString());
            assertTrue(errors.stream().anyMatch(e -> e.contains("$SRV.>")), "a monitor cannot listen to others' requests: " + errors);
        }
    }

    @Test
    void anActionResponderCannotAskSrv() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        try (Connection pinger = connect(url("pinger"), errors)) {
            pinger.publish("$SRV.PING", new byte[0]);
            pinger.flush(Duration.ofSeconds(2));
            Await.until(Duration.ofSeconds(3), () -> errors.stream().anyMatch(e -> e.contains("Permissions Violation")
                            && e.contains("$SRV.PING")), () -> "an action responder may not publish $SRV requests: " + errors);
        }
    }

    @Test
    void theTailUserReadsEverythingAndPublishesNothing() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        try (Connection tail = connect(instance.url(BrokerCredentials.TAIL), errors)) {
            tail.publish(Subjects.notice("signin"), new byte[0]);
            tail.subscribe(Subjects.INBOX_PREFIX + ".>");
            tail.flush(Duration.ofSeconds(2));
            Await.until(Duration.ofSeconds(3), () -> errors.stream().filter(e -> e.contains("Permissions Violation")).count() >= 2,
                    () -> "publishing and reading inboxes are refused: " + errors);
        }
    }

    @Test
    void aRemovedUserIsDisconnectedAndRefusedWhileOthersStayConnected() throws Exception {
        AppUsers store = new AppUsers(instance.paths.appUsersFile());
        AppUser leaving = store.add("leaving", List.of(AppRole.parse("notice-reader")));
        assertEquals(BrokerUsers.Outcome.RELOADED, appliance.reload().brokerUsers());
        String leavingUrl = "nats://leaving:" + leaving.password() + "@127.0.0.1:" + instance.port;
        List<ConnectionListener.Events> stayingEvents = new CopyOnWriteArrayList<>();
        try (Connection gone = connect(leavingUrl, new CopyOnWriteArrayList<>());
             Connection staying = Nats.connect(new Options.Builder().server(url("notices"))
                     .connectionListener((c, e) -> stayingEvents.add(e)).build())) {
            Subscription notices = staying.subscribe(Subjects.NOTICE_PREFIX + ">");
            staying.flush(Duration.ofSeconds(2));

            assertTrue(store.remove("leaving"));
            Appliance.ReloadResult r = appliance.reload();
            assertEquals(BrokerUsers.Outcome.RELOADED, r.brokerUsers(), r.message());

            Await.until(Duration.ofSeconds(5), () -> gone.getStatus() != Connection.Status.CONNECTED,
                    () -> "the broker closes the removed user's connection: " + gone.getStatus());
            assertThrows(IOException.class, () -> Nats.connect(new Options.Builder().server(leavingUrl).maxReconnects(0).build()));

            try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
                kiam.connection().publish(Subjects.notice("signin"), "{}".getBytes(StandardCharsets.UTF_8));
                kiam.flush(Duration.ofSeconds(2));
            }
            assertNotNull(notices.nextMessage(Duration.ofSeconds(3)), "the remaining user still receives");
            assertEquals(Connection.Status.CONNECTED, staying.getStatus());
            assertFalse(stayingEvents.contains(ConnectionListener.Events.DISCONNECTED), stayingEvents.toString());
        }
    }

    @Test
    void theUsersFileIsOwnerOnlyAndTheBrokerConfigurationNamesTheRoles() throws Exception {
        assertTrue(dev.kiamms.files.OwnerOnlyFiles.isOwnerOnly(instance.paths.appUsersFile()));
        String conf = Files.readString(instance.paths.natsConfigFile());
        assertTrue(conf.contains("\"kiam.console.action.ping kiam-ms\""), conf.lines().filter(l -> l.contains("pinger")).toList().toString());
    }
}
