package dev.kiamms.route;

import dev.kiamms.limit.SendBudget;
import dev.kiamms.channel.EmailChannel;
import dev.kiamms.mail.AccountAddEmailAudit;
import dev.kiamms.mail.AccountAddEmailHandler;
import dev.kiamms.mail.MailComposer;
import dev.kiamms.mail.delivery.MailDelivery;
import dev.kiamms.mail.delivery.MtaConfig;
import dev.kiamms.mail.delivery.ScriptedSmtpServer;
import dev.kiamms.mail.delivery.SmtpTimeouts;
import dev.kiamms.mail.template.MailTemplates;
import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.MessageContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The built-in accountaddemail route mails what AccountAddEmailHandler mails, through a real SMTP server. */
@Timeout(60)
class EmailRouteTest {

    private static final String REQID = "0123456789abcdef0123456789abcdef";
    private static final String PAYLOAD = "{\"newemail\":\"new@example.org\",\"userid\":\"alice\",\"httpurl\":\"https://iam.example.com/\","
            + "\"locale\":\"zh-cn\",\"mailto\":[\"Alice <alice@example.org>\",\"not an address\",\"bob@example.org\"],"
            + "\"subject\":\"An address was added\"}";

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();

    private static MailDelivery delivery(ScriptedSmtpServer mta) {
        return new MailDelivery(List.of(new MtaConfig("main", "127.0.0.1", mta.port(), false, "KrossIAM <sender@kiam.test>", "",
                List.of(), List.of(), "", "")), "", new SmtpTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(3)), null);
    }

    /** What a reader of the mail sees: headers that matter and the rendered parts, without ids and dates. */
    private static List<String> visible(String data) throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(data.getBytes(StandardCharsets.ISO_8859_1)));
        List<String> out = new ArrayList<>();
        out.add("To: " + String.join(",", m.getHeader("To")));
        out.add("Cc: " + String.join(",", m.getHeader("Cc")));
        out.add("Subject: " + m.getSubject());
        out.add("Reqid: " + m.getHeader(MailComposer.REQID_HEADER)[0]);
        collect((Multipart) m.getContent(), out);
        return out;
    }

    private static void collect(Multipart mp, List<String> out) throws Exception {
        for (int i = 0; i < mp.getCount(); i++) {
            BodyPart p = mp.getBodyPart(i);
            Object c = p.getContent();
            if (c instanceof Multipart inner) {
                collect(inner, out);
            } else {
                out.add(p.getContentType().replaceAll("\\s+", " ") + ": " + (c instanceof String s ? s : "(" + p.getSize() + " bytes)"));
            }
        }
    }

    @Test
    void theDefaultRouteMailsWhatTheHandlerMails() throws Exception {
        MailTemplates templates = RouteTemplates.load(dir);
        MailComposer composer = new MailComposer(() -> templates, "[KrossIAM]");
        try (ScriptedSmtpServer mta = new ScriptedSmtpServer(); MailDelivery delivery = delivery(mta)) {
            new AccountAddEmailHandler(() -> composer, () -> delivery).handle(
                    json.readValue(PAYLOAD, AccountAddEmailAudit.class), new MessageContext("kiam.console.audit.accountaddemail", REQID, 0));
            List<Route> routes = Routes.withDefaults(List.of());
            EventHandler<JsonNode> route = Routes.handler(routes.get(0),
                    List.of(new EmailChannel(() -> composer, () -> delivery)), () -> null, SendBudget.unlimited());
            assertEquals("kiam.console.audit.accountaddemail", route.subject());
            route.handle(json.readTree(PAYLOAD), new MessageContext(route.subject(), REQID, 0));

            assertEquals(2, mta.accepted().size());
            List<String> byHandler = visible(mta.accepted().get(0));
            List<String> byRoute = visible(mta.accepted().get(1));
            System.out.println("mail by the route: " + byRoute.subList(0, 4));
            assertEquals(byHandler, byRoute);
            assertEquals("To: Alice <alice@example.org>", byRoute.get(0));
            assertEquals("Cc: bob@example.org", byRoute.get(1));
            assertTrue(byRoute.stream().anyMatch(l -> l.contains("https://iam.example.com/account/identity")), byRoute.toString());
        }
    }

    @Test
    void aPayloadWithoutMailtoIsFinalAndSendsNothing() throws Exception {
        MailTemplates templates = RouteTemplates.load(dir);
        MailComposer composer = new MailComposer(() -> templates, "");
        try (ScriptedSmtpServer mta = new ScriptedSmtpServer(); MailDelivery delivery = delivery(mta)) {
            EventHandler<JsonNode> route = Routes.handler(Routes.defaultAccountAddEmail(),
                    List.of(new EmailChannel(() -> composer, () -> delivery)), () -> null, SendBudget.unlimited());
            ActionException e = assertThrows(ActionException.class, () -> route.handle(
                    json.readTree("{\"userid\":\"alice\",\"httpurl\":\"https://iam.example.com\"}"),
                    new MessageContext(route.subject(), REQID, 0)));
            assertFalse(e.retryable());
            assertTrue(e.getMessage().contains("no recipient in field(s) [mailto]"), e.getMessage());
            assertEquals(0, mta.sessions());
        }
    }
}
