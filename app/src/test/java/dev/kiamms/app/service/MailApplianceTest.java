package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.mail.AccountAddEmailAudit;
import dev.kiamms.mail.SendVerifyEmailHandler;
import dev.kiamms.mail.VerifyEmailRequest;
import dev.kiamms.mail.delivery.Attempt;
import dev.kiamms.metrics.CountingStats;
import dev.kiamms.metrics.HandlerCounts;
import dev.kiamms.protocol.Reply;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.Await;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import jakarta.mail.BodyPart;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mail actions end to end: KrossIAM-style client → broker → kiam-ms → a real SMTP server (GreenMail). */
class MailApplianceTest {

    private static final Path TEMPLATES = Path.of(System.getProperty("kiamms.root"), "conf", "templates");

    @TempDir
    Path dir;

    private GreenMail smtp;
    private Appliance appliance;
    private TestInstance instance;

    @BeforeEach
    void startSmtp() {
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP)); // port 0: bound, never guessed
        smtp.start();
    }

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.stop();
        }
        smtp.stop();
    }

    private void start(boolean withSmtp) throws IOException {
        String mtas = withSmtp ? "  mtas:\n    - name: local\n      host: 127.0.0.1\n      port: " + smtp.getSmtp().getPort()
                + "\n      ssl: false\n      sender: KrossIAM <noreply@example.com>\n" : "";
        instance = new TestInstance(dir, "mail:\n  subject_prefix: '[IAM]'\n  template_dir: " + TEMPLATES + "\n" + mtas);
        appliance = instance.appliance();
        appliance.start();
    }

    private Reply verify(VerifyEmailRequest request) throws Exception {
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            return kiam.request("sendverifyemail", request, Duration.ofSeconds(30)).reply();
        }
    }

    private static VerifyEmailRequest request(String to, String userid, String locale, String subject) {
        return new VerifyEmailRequest(subject, userid, to, "https://iam.example.com/verify?token=abc&x=1", locale, "in 30 minutes");
    }

    @Test
    void verifyEmailArrivesOnceAsHtmlTextAndInlineLogo() throws Exception {
        start(true);
        Reply reply = verify(request("Jane <jane@example.com>", "<script>alert(1)</script>", "en-us", "Verify your address"));
        assertEquals(0, reply.code(), reply.message());
        assertNull(reply.payload());

        assertTrue(smtp.waitForIncomingEmail(10_000, 1));
        MimeMessage[] received = smtp.getReceivedMessages();
        assertEquals(1, received.length, "exactly one mail");
        MimeMessage m = received[0];
        assertEquals("[IAM] Verify your address", m.getSubject());
        assertEquals("jane@example.com", ((jakarta.mail.internet.InternetAddress) m.getRecipients(RecipientType.TO)[0]).getAddress());
        assertTrue(m.getHeader("X-Kiam-Reqid")[0].matches("[0-9a-f]{32}"));

        Parts parts = Parts.of(m);
        assertTrue(parts.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "user id HTML-escaped");
        assertTrue(!parts.html.contains("<script>"), "no raw script in HTML");
        assertTrue(parts.html.contains("token=abc&amp;x=1"), "link escaped in HTML");
        assertTrue(parts.html.contains("cid:logo"), "HTML references the inline logo");
        assertTrue(parts.text.contains("<script>alert(1)</script>") && parts.text.contains("https://iam.example.com/verify?token=abc&x=1"),
                "text part carries the same data verbatim");
        assertEquals("<logo>", parts.logoContentId);
    }

    @Test
    void zhCnLocaleGetsTheChineseTemplate() throws Exception {
        start(true);
        assertEquals(0, verify(request("li@example.com", "lilei", "zh-CN", "验证邮箱")).code());
        assertTrue(smtp.waitForIncomingEmail(10_000, 1));
        Parts parts = Parts.of(smtp.getReceivedMessages()[0]);
        assertTrue(parts.html.codePoints().anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN), "Chinese HTML");
        assertTrue(parts.text.codePoints().anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN), "Chinese text");
        assertEquals("[IAM] 验证邮箱", smtp.getReceivedMessages()[0].getSubject());
    }

    @Test
    void anUnparseableToAndHeaderInjectionAreRefusedWithCode1() throws Exception {
        start(true);
        Map<String, Map<Attempt.Outcome, Long>> attemptsBefore = appliance.stats().snapshot().mailAttempts();
        Reply badTo = verify(request("not an address", "u", "en", "Verify"));
        assertEquals(1, badTo.code());
        assertTrue(badTo.message().contains("'not an address' is not an e-mail address"), badTo.message());

        Reply injected = verify(request("jane@example.com", "u", "en", "Hello\r\nBcc: evil@example.com"));
        assertEquals(1, injected.code());
        assertTrue(injected.message().contains("subject contains a control character"), injected.message());

        Reply injectedTo = verify(request("jane@example.com\r\nBcc: evil@example.com", "u", "en", "Verify"));
        assertEquals(1, injectedTo.code());

        Reply relativeHref = verify(new VerifyEmailRequest("Verify", "u", "jane@example.com", "/verify?token=1", "en", ""));
        assertEquals(1, relativeHref.code());
        assertTrue(relativeHref.message().contains("href"), relativeHref.message());
        // Each reply came after its handler finished, so what it did is done: no MTA was even
        // tried (the appliance's attempt counters did not move), four requests failed, none was
        // handled, and the MTA holds nothing. No sleep needed.
        assertEquals(attemptsBefore, appliance.stats().snapshot().mailAttempts(), "no delivery attempt");
        HandlerCounts verify = appliance.stats().snapshot().handlers().get(SendVerifyEmailHandler.KEY);
        assertEquals(4, verify.failed(), verify.toString());
        assertEquals(0, verify.handled(), verify.toString());
        assertEquals(0, smtp.getReceivedMessages().length, "nothing was sent");
    }

    @Test
    void auditMailsTheFirstValidAddressWithTheRestInCc() throws Exception {
        start(true);
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            kiam.publish(Subjects.audit("accountaddemail"), new AccountAddEmailAudit("new@example.com", "jane",
                    "https://iam.example.com/", "en", List.of("broken address", "jane@example.com", "Jane Work <jane@work.example>"),
                    "New address added"));
            kiam.flush(Duration.ofSeconds(5));
        }
        // GreenMail keeps one copy per recipient; its waitForIncomingEmail counts differently.
        Await.until(Duration.ofSeconds(10), () -> smtp.getReceivedMessages().length >= 2, () -> "a copy for To and Cc");
        MimeMessage[] received = smtp.getReceivedMessages();
        Set<String> messageIds = Arrays.stream(received).map(MailApplianceTest::messageId).collect(Collectors.toSet());
        assertEquals(1, messageIds.size(), "one mail, sent once");
        MimeMessage m = received[0];
        assertEquals("jane@example.com", ((jakarta.mail.internet.InternetAddress) m.getRecipients(RecipientType.TO)[0]).getAddress());
        assertEquals("jane@work.example", ((jakarta.mail.internet.InternetAddress) m.getRecipients(RecipientType.CC)[0]).getAddress());
        Parts parts = Parts.of(m);
        assertTrue(parts.html.contains("https://iam.example.com/account/identity"), parts.html);
        assertTrue(parts.text.contains("new@example.com"));
    }

    @Test
    void anAuditWithNoValidAddressIsCountedAsFailed() throws Exception {
        start(true);
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            kiam.publish(Subjects.audit("accountaddemail"), new AccountAddEmailAudit("n@example.com", "jane",
                    "https://iam.example.com", "en", List.of("nobody", ""), "x"));
            kiam.flush(Duration.ofSeconds(5));
        }
        Await.until(Duration.ofSeconds(10), () -> failed(appliance.stats(), Subjects.audit("accountaddemail")) == 1,
                () -> "the audit is counted as failed");
        assertEquals(0, smtp.getReceivedMessages().length);
    }

    @Test
    void withoutAnMtaMailGoesToTheOutbox() throws Exception {
        start(false);
        assertEquals(0, verify(request("someone@example.com", "someone", "en", "Verify")).code());
        Path outbox = instance.paths.dataDir().resolve("outbox");
        List<Path> files;
        try (Stream<Path> s = Files.list(outbox)) {
            files = s.filter(p -> p.toString().endsWith(".eml")).toList();
        }
        assertEquals(1, files.size());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(files.get(0))));
        try (InputStream in = Files.newInputStream(files.get(0))) {
            MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), in);
            assertEquals("[IAM] Verify", m.getSubject());
            Parts parts = Parts.of(m);
            assertTrue(parts.html.contains("someone") && parts.text.contains("someone"));
            assertEquals("<logo>", parts.logoContentId);
        }
        assertEquals(0, smtp.getReceivedMessages().length);
    }

    private static long failed(CountingStats stats, String name) {
        HandlerCounts c = stats.snapshot().handlers().get(name);
        return c == null ? 0 : c.failed();
    }

    private static String messageId(MimeMessage m) {
        try {
            return m.getMessageID();
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The text, HTML and logo of a kiam-ms mail, checking its MIME structure on the way. */
    record Parts(String text, String html, String logoContentId) {
        static Parts of(MimeMessage m) throws Exception {
            assertTrue(m.isMimeType("multipart/alternative"), m.getContentType());
            Multipart alternative = (Multipart) m.getContent();
            assertEquals(2, alternative.getCount());
            BodyPart text = alternative.getBodyPart(0);
            assertTrue(text.isMimeType("text/plain"), text.getContentType());
            BodyPart relatedPart = alternative.getBodyPart(1);
            assertTrue(relatedPart.isMimeType("multipart/related"), relatedPart.getContentType());
            MimeMultipart related = (MimeMultipart) relatedPart.getContent();
            BodyPart html = related.getBodyPart(0);
            assertTrue(html.isMimeType("text/html"));
            jakarta.mail.internet.MimeBodyPart logo = (jakarta.mail.internet.MimeBodyPart) related.getBodyPart(1);
            assertTrue(logo.isMimeType("image/png"));
            return new Parts((String) text.getContent(), (String) html.getContent(), logo.getContentID());
        }
    }
}
