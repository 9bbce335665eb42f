package dev.kiamms.route;

import dev.kiamms.limit.SendBudget;
import dev.kiamms.channel.WebhookChannel;
import dev.kiamms.channel.WebhookSignature;
import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.MessageContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A notice routed to a webhook, posted to a real loopback HTTP server. */
@Timeout(60)
class WebhookRouteTest {

    private static final String SECRET = "whsec-do-not-log-7f3a";
    private static final String REQID = "00112233445566778899aabbccddeeff";
    private final ObjectMapper json = new ObjectMapper();

    private EventHandler<JsonNode> handler(CapturingHttpServer server) {
        WebhookChannel webhook = new WebhookChannel(new WebhookChannel.Config(server.url("/hooks/kiam"), SECRET,
                Duration.ofSeconds(5)), Clock.systemUTC());
        Route route = new Route("userlogin", Route.Kind.NOTICE, List.of("webhook"), "", Map.of(), "");
        return Routes.handler(route, List.of(webhook), () -> null, SendBudget.unlimited());
    }

    private void handle(EventHandler<JsonNode> h) throws Exception {
        h.handle(json.readTree("{\"userid\":\"alice\",\"ip\":\"81.2.69.142\"}"),
                new MessageContext(h.subject(), REQID, 0));
    }

    @Test
    void aSignedPostIsDeliveredOn2xx() throws Exception {
        try (CapturingHttpServer server = new CapturingHttpServer(); CapturedLog log = new CapturedLog()) {
            EventHandler<JsonNode> h = handler(server);
            assertEquals("kiam.console.notice.userlogin", h.subject());
            handle(h);
            CapturingHttpServer.Request r = server.requests().get(0);
            assertEquals("POST", r.method());
            JsonNode event = json.readTree(r.body());
            assertEquals(REQID, event.get("reqid").asText());
            assertEquals("userlogin", event.get("key").asText());
            assertEquals("alice", event.get("payload").get("userid").asText());
            long ts = Long.parseLong(r.header(WebhookSignature.TIMESTAMP_HEADER));
            String sig = r.header(WebhookSignature.SIGNATURE_HEADER);
            System.out.println("webhook signature header: " + sig + " timestamp " + ts);
            WebhookSignature receiver = new WebhookSignature(SECRET);
            byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
            assertTrue(receiver.verify(ts, body, sig), "the receiver's own HMAC matches");
            assertFalse(new WebhookSignature("another secret").verify(ts, body, sig), "a wrong secret does not");
            assertFalse(receiver.verify(ts + 1, body, sig), "the timestamp is signed too");
            assertTrue(log.text().contains("reqid=" + REQID + " webhook delivered via http://127.0.0.1:"), log.text());
            assertFalse(log.text().contains(SECRET), "the secret is never logged");
        }
    }

    @Test
    void a400IsFinalAnd503Or429AreRetried() throws Exception {
        try (CapturingHttpServer server = new CapturingHttpServer()) {
            EventHandler<JsonNode> h = handler(server);
            server.status = 400;
            ActionException bad = assertThrows(ActionException.class, () -> handle(h));
            assertFalse(bad.retryable(), bad.getMessage());
            assertTrue(bad.getMessage().contains("HTTP 400"), bad.getMessage());
            for (int status : new int[]{503, 429, 408}) {
                server.status = status;
                ActionException later = assertThrows(ActionException.class, () -> handle(h));
                assertTrue(later.retryable(), status + ": " + later.getMessage());
                assertTrue(later.getMessage().contains("HTTP " + status), later.getMessage());
            }
            assertEquals(4, server.requests().size());
        }
    }

    @Test
    void aClosedPortIsRetried() throws Exception {
        CapturingHttpServer gone = new CapturingHttpServer();
        EventHandler<JsonNode> h = handler(gone);
        gone.close();
        ActionException e = assertThrows(ActionException.class, () -> handle(h));
        assertTrue(e.retryable(), e.getMessage());
    }

    @Test
    void onlyHttpUrlsAreAccepted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new WebhookChannel.Config(java.net.URI.create("ftp://example.com/x"), SECRET, null));
        assertTrue(e.getMessage().contains("http:// or https://"), e.getMessage());
    }
}
