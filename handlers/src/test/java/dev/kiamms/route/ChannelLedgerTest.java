package dev.kiamms.route;

import dev.kiamms.limit.SendBudget;
import dev.kiamms.bus.DeliveryLedger;
import dev.kiamms.channel.SmsChannel;
import dev.kiamms.channel.WebhookChannel;
import dev.kiamms.mail.template.MailTemplates;
import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.MessageContext;
import dev.kiamms.testing.NatsServerFixture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Nats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A route with two channels, one of them failing for a while: with the delivery ledger on a real
 * JetStream broker, the retries send only what was not delivered yet.
 */
@Timeout(90)
class ChannelLedgerTest {

    private static final String REQID = "aaaabbbbccccddddeeeeffff00001111";

    @TempDir
    Path dir;

    @Test
    void aRetrySendsOnlyTheChannelsNotDeliveredBefore() throws Exception {
        MailTemplates templates = RouteTemplates.load(dir);
        try (NatsServerFixture nats = NatsServerFixture.start(null, List.of("-js", "-sd", dir.resolve("js").toString()));
             Connection nc = Nats.connect(nats.options().build());
             CapturingHttpServer hook = new CapturingHttpServer();
             CapturingHttpServer gateway = new CapturingHttpServer()) {
            DeliveryLedger ledger = DeliveryLedger.open(nc, Duration.ofHours(1), 1, "test");
            WebhookChannel webhook = new WebhookChannel(new WebhookChannel.Config(hook.url("/h"), "s3cret", Duration.ofSeconds(5)),
                    Clock.systemUTC());
            SmsChannel sms = new SmsChannel(new SmsChannel.Config("POST", gateway.url("/sms"), SmsChannel.BodyFormat.JSON,
                    Map.of("to", "{{phone}}", "text", "{{text}}"), Map.of(), "", "", "tok", Duration.ofSeconds(5)), () -> templates);
            Route route = new Route("userlogin", Route.Kind.AUDIT, List.of("webhook", "sms"), "login-alert",
                    Map.of("sms", List.of("phones")), "");
            EventHandler<JsonNode> h = Routes.handler(route, List.of(webhook, sms), () -> ledger, SendBudget.unlimited());
            JsonNode payload = new ObjectMapper().readTree("{\"userid\":\"alice\",\"ip\":\"81.2.69.142\",\"phones\":[\"+441\",\"+442\"]}");
            MessageContext context = new MessageContext(h.subject(), REQID, 0);

            gateway.status = 503;
            ActionException first = assertThrows(ActionException.class, () -> h.handle(payload, context));
            assertTrue(first.retryable(), first.getMessage());
            gateway.status = 200;
            h.handle(payload, context); // the retry
            h.handle(payload, context); // a redelivery after success

            long hooks = hook.requests().size();
            long texts = gateway.requests().size();
            System.out.println("webhook posts: " + hooks + ", gateway requests: " + texts + " (2 refused + 2 delivered expected)");
            assertEquals(1, hooks, "the webhook delivered on the first attempt and is not posted again");
            assertEquals(4, texts, "each phone refused once (503), then delivered once; the redelivery sends nothing");
        }
    }
}
