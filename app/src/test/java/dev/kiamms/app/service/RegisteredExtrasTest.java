package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.registry.BuiltIns;
import dev.kiamms.app.registry.EventKind;
import dev.kiamms.app.registry.EventRegistration;
import dev.kiamms.app.registry.Registry;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.MessageContext;
import dev.kiamms.protocol.Reply;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.Await;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An action and an audit route that only tests know, each added as the built-ins are (one
 * handler class, one registration), answered and consumed end to end over a real nats-server.
 */
class RegisteredExtrasTest {

    private static final Path TEMPLATES = Path.of(System.getProperty("kiamms.root"), "conf", "templates");
    private static final String TEST_ROUTE = Subjects.audit("testroute");

    @TempDir
    Path dir;

    private Appliance appliance;

    /** Records the reqid and payload of each audit on {@link #TEST_ROUTE}. */
    private static final class TestRoute implements EventHandler<JsonNode> {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public String subject() {
            return TEST_ROUTE;
        }

        @Override
        public Class<JsonNode> payloadType() {
            return JsonNode.class;
        }

        @Override
        public void handle(JsonNode payload, MessageContext context) {
            seen.add(context.reqid() + " " + payload.path("note").asText());
        }
    }

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.stop();
        }
    }

    @Test
    void aTestOnlyActionIsAnsweredAndATestOnlyAuditRouteConsumed() throws Exception {
        TestRoute route = new TestRoute();
        Registry registry = BuiltIns.registry()
                .with(EchoHandler.REGISTRATION)
                .with(new EventRegistration(TEST_ROUTE, EventKind.AUDIT, null, s -> s.service().audits().subscribe(), false,
                        c -> route, null));
        TestInstance instance = new TestInstance(dir, "service:\n  actions:\n    echo:\n      prefix: 'echo:'\n"
                + "mail:\n  template_dir: " + TEMPLATES + "\n");
        appliance = new Appliance(instance.paths, instance.config(), registry);
        Appliance.Ready ready = appliance.start();
        System.out.println("subscribed: " + ready.subjects());
        assertTrue(ready.subjects().contains(Subjects.action("echo")), ready.subjects().toString());

        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            KrossIamClient.Exchange ex = kiam.request("echo", new EchoHandler.Request("hello"), Duration.ofSeconds(10));
            Reply reply = ex.reply();
            System.out.println("echo reply: code " + reply.code() + " payload " + reply.payload() + " in "
                    + ex.roundTrip().toMillis() + " ms");
            assertEquals(0, reply.code(), reply.message());
            assertEquals(Map.of("text", "echo:hello", "reqid", ex.reqid()), reply.payload());

            String reqid = kiam.publish(TEST_ROUTE, Map.of("note", "routed"));
            kiam.flush(Duration.ofSeconds(5));
            Await.until(Duration.ofSeconds(30), () -> !route.seen.isEmpty(), () -> "the test route never got its audit");
            System.out.println("test route saw: " + route.seen);
            assertEquals(List.of(reqid + " routed"), route.seen);
        }
        assertEquals(1, appliance.stats().snapshot().handlers().get(TEST_ROUTE).handled());
        assertEquals(1, appliance.stats().snapshot().handlers().get("echo").handled());
    }

    @Test
    void theTestOnlyActionFollowsAReloadOfItsSection() throws Exception {
        TestInstance instance = new TestInstance(dir, "service:\n  audits:\n    subscribe: false\n  actions:\n    echo:\n      prefix: 'a:'\n");
        appliance = new Appliance(instance.paths, instance.config(), BuiltIns.registry().with(EchoHandler.REGISTRATION));
        appliance.start();
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            assertEquals(Map.of("text", "a:x"), without(kiam.request("echo", new EchoHandler.Request("x"), Duration.ofSeconds(10))));

            String yaml = Files.readString(instance.paths.configFile());
            Files.writeString(instance.paths.configFile(), yaml.replace("prefix: 'a:'", "prefix: 'b:'"));
            Appliance.ReloadResult r = appliance.reload();
            System.out.println("reload: " + r.message());
            assertTrue(r.applied(), r.message());
            assertEquals(Map.of("text", "b:x"), without(kiam.request("echo", new EchoHandler.Request("x"), Duration.ofSeconds(10))));

            Files.writeString(instance.paths.configFile(), yaml.replace("prefix: 'a:'", "prefx: 'c:'"));
            Appliance.ReloadResult refused = appliance.reload();
            System.out.println("reload: " + refused.message());
            assertTrue(!refused.applied() && refused.message().contains("prefx"), refused.message());
            assertEquals(Map.of("text", "b:x"), without(kiam.request("echo", new EchoHandler.Request("x"), Duration.ofSeconds(10))),
                    "a refused reload keeps the running section");
        }
    }

    private static Map<?, ?> without(KrossIamClient.Exchange ex) {
        assertEquals(0, ex.reply().code(), ex.reply().message());
        Map<?, ?> payload = new java.util.HashMap<>((Map<?, ?>) ex.reply().payload());
        payload.remove("reqid");
        return payload;
    }
}
