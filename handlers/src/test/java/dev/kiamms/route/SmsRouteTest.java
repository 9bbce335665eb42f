package dev.kiamms.route;

import dev.kiamms.limit.SendBudget;
import dev.kiamms.channel.SmsChannel;
import dev.kiamms.mail.template.MailTemplates;
import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.MessageContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An audit routed to an SMS gateway in its two common styles, against a real loopback HTTP
 * server: a form POST with basic authentication, and JSON with a bearer token.
 */
@Timeout(60)
class SmsRouteTest {

    private static final String PASSWORD = "gw-password-s3cr3t";
    private static final String TOKEN = "gw-bearer-t0ken-s3cr3t";
    private static final String REQID = "ffeeddccbbaa99887766554433221100";
    private static final String TEXT = "Hi alice, a sign-in from 81.2.69.142. Not you? Call us.";

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();

    private EventHandler<JsonNode> handler(SmsChannel.Config config) throws Exception {
        MailTemplates templates = RouteTemplates.load(dir);
        Route route = new Route("userlogin", Route.Kind.AUDIT, List.of("sms"), "login-alert",
                Map.of("sms", List.of("phone", "phones")), "");
        return Routes.handler(route, List.of(new SmsChannel(config, () -> templates)), () -> null, SendBudget.unlimited());
    }

    private void handle(EventHandler<JsonNode> h, String payload) throws Exception {
        h.handle(json.readTree(payload), new MessageContext(h.subject(), REQID, 0));
    }

    private static Map<String, String> form(String body) {
        Map<String, String> out = new HashMap<>();
        for (String pair : body.split("&")) {
            String[] kv = pair.split("=", 2);
            out.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void formPostWithBasicAuthSendsOneTextPerPhone() throws Exception {
        try (CapturingHttpServer gateway = new CapturingHttpServer(); CapturedLog log = new CapturedLog()) {
            Map<String, String> body = new LinkedHashMap<>();
            body.put("To", "{{phone}}");
            body.put("From", "+15550000000");
            body.put("Body", "{{text}}");
            EventHandler<JsonNode> h = handler(new SmsChannel.Config("POST", gateway.url("/2010-04-01/Accounts/AC123/Messages.json"),
                    SmsChannel.BodyFormat.FORM, body, Map.of(), "AC123", PASSWORD, "", Duration.ofSeconds(5)));
            // Keys in any case, as KrossIAM's own server reads them.
            handle(h, "{\"UserId\":\"alice\",\"ip\":\"81.2.69.142\",\"Phone\":\"+441234567890\",\"PHONES\":[\"+33123456789\"]}");

            assertEquals(2, gateway.requests().size(), "one request per phone");
            CapturingHttpServer.Request first = gateway.requests().get(0);
            System.out.println("form body: " + first.body());
            assertEquals("application/x-www-form-urlencoded", first.header("Content-Type"));
            assertTrue(first.body().startsWith("To=%2B441234567890&From="), "fields in the configured order: " + first.body());
            Map<String, String> fields = form(first.body());
            assertEquals("+441234567890", fields.get("To"));
            assertEquals(TEXT, fields.get("Body"));
            assertEquals("+33123456789", form(gateway.requests().get(1).body()).get("To"));
            String basic = "Basic " + Base64.getEncoder().encodeToString(("AC123:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            assertEquals(basic, first.header("Authorization"));
            assertTrue(log.text().contains("reqid=" + REQID + " sms#1 delivered via http://127.0.0.1:"), log.text());
            assertFalse(log.text().contains(PASSWORD), log.text());
            assertFalse(log.text().contains("AC123/Messages"), "the URL path is not logged either");
        }
    }

    @Test
    void jsonWithBearerTokenAndAFailureKeepTheTokenOutOfLogs() throws Exception {
        try (CapturingHttpServer gateway = new CapturingHttpServer(); CapturedLog log = new CapturedLog()) {
            EventHandler<JsonNode> h = handler(new SmsChannel.Config("POST", gateway.url("/sms/send"), SmsChannel.BodyFormat.JSON,
                    Map.of("to", "{{phone}}", "message", "{{text}}", "reference", "{{reqid}}"), Map.of("X-Tenant", "kiam"),
                    "", "", TOKEN, Duration.ofSeconds(5)));
            String payload = "{\"userid\":\"alice\",\"ip\":\"81.2.69.142\",\"phone\":\"+441234567890\"}";
            handle(h, payload);
            CapturingHttpServer.Request r = gateway.requests().get(0);
            System.out.println("json body: " + r.body());
            JsonNode sent = json.readTree(r.body());
            assertEquals("+441234567890", sent.get("to").asText());
            assertEquals(TEXT, sent.get("message").asText());
            assertEquals(REQID, sent.get("reference").asText());
            assertEquals("Bearer " + TOKEN, r.header("Authorization"));
            assertEquals("kiam", r.header("X-Tenant"));

            gateway.status = 401;
            ActionException e = assertThrows(ActionException.class, () -> handle(h, payload));
            assertFalse(e.retryable(), e.getMessage());
            assertFalse(e.getMessage().contains(TOKEN), e.getMessage());
            assertFalse(log.text().contains(TOKEN), log.text());
        }
    }

    @Test
    void aPayloadWithoutTheRecipientFieldIsFinalAndNamesReqidAndField() throws Exception {
        try (CapturingHttpServer gateway = new CapturingHttpServer(); CapturedLog log = new CapturedLog()) {
            EventHandler<JsonNode> h = handler(new SmsChannel.Config("POST", gateway.url("/sms"), SmsChannel.BodyFormat.JSON,
                    Map.of("to", "{{phone}}", "message", "{{text}}"), Map.of(), "", "", TOKEN, null));
            ActionException e = assertThrows(ActionException.class, () -> handle(h, "{\"userid\":\"alice\"}"));
            System.out.println("missing recipient: " + e.getMessage());
            assertFalse(e.retryable(), "final: a dead letter, not a retry");
            assertTrue(e.getMessage().contains("[phone, phones]"), e.getMessage());
            assertTrue(log.text().contains("reqid=" + REQID) && log.text().contains("no recipient in field(s) [phone, phones]"), log.text());
            assertEquals(0, gateway.requests().size());
        }
    }

    @Test
    void aBodyWithoutThePhoneVariableIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SmsChannel.Config("POST",
                java.net.URI.create("https://sms.example.com/send"), SmsChannel.BodyFormat.FORM, Map.of("text", "{{text}}"),
                Map.of(), "", "", "", null));
        assertTrue(e.getMessage().contains("{{phone}}"), e.getMessage());
    }
}
