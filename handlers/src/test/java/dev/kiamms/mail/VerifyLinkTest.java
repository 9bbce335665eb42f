package dev.kiamms.mail;

import dev.kiamms.mail.delivery.MailDelivery;
import dev.kiamms.mail.delivery.MtaConfig;
import dev.kiamms.mail.delivery.ScriptedSmtpServer;
import dev.kiamms.mail.delivery.SmtpTimeouts;
import dev.kiamms.mail.template.MailTemplates;
import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.MessageContext;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A verification mail whose template leaves out the link is never sent; a real SMTP server sees nothing. */
@Timeout(60)
class VerifyLinkTest {

    private static final Path SHIPPED = Path.of(System.getProperty("kiamms.root", "../"), "conf", "templates");
    private static final String HREF = "https://iam.example.com/verify?token=t0k3n&x=1";

    @TempDir
    Path dir;

    private Path templates() throws IOException {
        Path to = dir.resolve("templates");
        try (Stream<Path> files = Files.walk(SHIPPED)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(SHIPPED.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return to;
    }

    private Object send(Path templateDir, ScriptedSmtpServer mta, String locale) throws Exception {
        MailTemplates templates = MailTemplates.load(templateDir);
        MailComposer composer = new MailComposer(() -> templates, "");
        try (MailDelivery delivery = new MailDelivery(List.of(new MtaConfig("main", "127.0.0.1", mta.port(), false,
                "KrossIAM <sender@kiam.test>", "", List.of(), List.of(), "", "")), "",
                new SmtpTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(3)), null)) {
            SendVerifyEmailHandler handler = new SendVerifyEmailHandler(() -> composer, () -> delivery);
            return handler.handle(new VerifyEmailRequest("Verify your email", "alice", "alice@example.org", HREF, locale,
                    "in 30 minutes"), new MessageContext("kiam.action.sendverifyemail", "0123456789abcdef0123456789abcdef", 0));
        }
    }

    @Test
    void theShippedTemplatesShowTheLinkAndAreSent() throws Exception {
        try (ScriptedSmtpServer mta = new ScriptedSmtpServer()) {
            send(templates(), mta, "zh-cn");
            assertEquals(1, mta.accepted().size());
        }
    }

    @Test
    void aTextPartWithoutTheLinkIsNotSent() throws Exception {
        Path t = templates();
        Files.writeString(t.resolve("verify-email.txt"), "Hello {{userid}}, open the link: {{link}}\n");
        try (ScriptedSmtpServer mta = new ScriptedSmtpServer()) {
            ActionException e = assertThrows(ActionException.class, () -> send(t, mta, "en"));
            assertTrue(e.getMessage().contains("text (.txt) part without the href"), e.getMessage());
            assertTrue(e.getMessage().contains("{{href}}"), e.getMessage());
            assertEquals(0, mta.sessions(), "no SMTP session at all");
        }
    }

    @Test
    void aTranslatedHtmlPartWithoutTheLinkIsNotSent() throws Exception {
        Path t = templates();
        Files.writeString(t.resolve("zh-cn/verify-email.html"), "<p>{{userid}}，请点击 <a href=\"{{url}}\">这里</a></p>\n");
        try (ScriptedSmtpServer mta = new ScriptedSmtpServer()) {
            ActionException e = assertThrows(ActionException.class, () -> send(t, mta, "zh-CN"));
            assertTrue(e.getMessage().contains("HTML (.html) part without the href"), e.getMessage());
            assertEquals(0, mta.sessions(), "no SMTP session at all");
            send(t, mta, "en"); // the English one still shows it
            assertEquals(1, mta.accepted().size());
        }
    }
}
