package dev.kiamms.mail.delivery;

import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import static dev.kiamms.mail.delivery.DeliveryTestSupport.FAST;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.HOST;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.SENDER;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.mail;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.mta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configuration checks and the outbox. */
class MailDeliveryConfigTest {

    @TempDir
    Path tmp;

    private static String rejected(List<MtaConfig> mtas, String preferred) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MailDelivery(mtas, preferred, FAST, null));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static MtaConfig withSender(String name, String sender) {
        return withSender(name, sender, 587);
    }

    private static MtaConfig withSender(String name, String sender, int port) {
        return new MtaConfig(name, HOST, port, false, sender, "", List.of(), List.of(), "", "");
    }

    @Test
    void aBadSenderNamesTheMtaAndTheKey() {
        String m = rejected(List.of(mta("main", 587), withSender("backup", "x")), "");
        assertTrue(m.startsWith("mail.mtas[1] \"backup\": sender 'x' is not an e-mail address"), m);
    }

    @Test
    void aSenderWithADisplayNameIsFine() throws Exception {
        // Accepted, and used as it should be: the display name in From, the bare address as the
        // envelope sender (a comma in the name must not split it into two addresses).
        try (ScriptedSmtpServer mta = new ScriptedSmtpServer();
             MailDelivery d = new MailDelivery(List.of(withSender("main", "\"Kross IAM, Inc.\" <noreply@kiam.test>",
                     mta.port())), "", FAST, null)) {
            assertEquals("main", d.deliver("r1", mail("Display name")).mta());
            assertTrue(mta.commands().contains("MAIL FROM:<noreply@kiam.test>"), mta.commands().toString());
            String data = mta.accepted().get(0);
            assertTrue(data.contains("From: \"Kross IAM, Inc.\" <noreply@kiam.test>\r\n"), data);
        }
    }

    @Test
    void anUnknownPreferredMtaIsAnError() {
        String m = rejected(List.of(mta("main", 587), mta("backup", 465)), "nope");
        assertEquals("mail.preferred_mta \"nope\" names no MTA (the MTAs are: main, backup)", m);
        String none = assertThrows(IllegalArgumentException.class,
                () -> new MailDelivery(List.of(), "main", FAST, tmp)).getMessage();
        assertEquals("mail.preferred_mta \"main\" names no MTA (no MTA is configured)", none);
    }

    @Test
    void portZeroIsAnError() {
        assertEquals("mail.mtas[0] \"main\": port 0 is not between 1 and 65535", rejected(List.of(mta("main", 0)), ""));
        assertEquals("mail.mtas[0] \"main\": port 65536 is not between 1 and 65535",
                rejected(List.of(mta("main", 65536)), ""));
    }

    @Test
    void otherKeysAreChecked() {
        assertEquals("mail.mtas[0] \"main\": host is empty",
                rejected(List.of(new MtaConfig("main", " ", 25, false, SENDER, "", List.of(), List.of(), "", "")), ""));
        assertTrue(rejected(List.of(new MtaConfig("main", HOST, 25, false, SENDER, "not an address", List.of(),
                List.of(), "", "")), "").startsWith("mail.mtas[0] \"main\": replyto 'not an address' is not an e-mail address"));
        assertTrue(rejected(List.of(new MtaConfig("main", HOST, 25, false, SENDER, "", List.of("ok@kiam.test", "bad@"),
                List.of(), "", "")), "").startsWith("mail.mtas[0] \"main\": cc[1] 'bad@' is not an e-mail address"));
        assertTrue(rejected(List.of(new MtaConfig("main", HOST, 25, false, SENDER, "", List.of(),
                List.of("a@b, c@d"), "", "")), "").startsWith("mail.mtas[0] \"main\": bcc[0] 'a@b, c@d' is not an e-mail address"));
        assertEquals("mail.mtas[0] \"main\": sender is empty", rejected(List.of(withSender("main", "")), ""));
        assertEquals("mail.mtas[1] \"main\": name is already used by mail.mtas[0]",
                rejected(List.of(mta("main", 25), mta("main", 26)), ""));
        assertEquals("mail.mtas[0]: name is empty", rejected(List.of(mta("", 25)), ""));
    }

    @Test
    void thePasswordIsNotInToString() {
        MtaConfig c = new MtaConfig("main", HOST, 25, false, SENDER, "", List.of(), List.of(), "u", "Secret-Pw-99");
        assertFalse(c.toString().contains("Secret-Pw-99"));
    }

    @Test
    void withoutMtasMailGoesToTheOutbox() throws Exception {
        Path dir = tmp.resolve("data/outbox");
        MailDelivery d = new MailDelivery(List.of(), "", FAST, dir);
        assertTrue(d.usesOutbox());
        assertEquals(List.of(), d.mtaOrder());

        DeliveryReport r = d.deliver("req-42", mail("To the outbox"));

        assertEquals(MailDelivery.OUTBOX_NAME, r.mta());
        Path file = Path.of(r.where());
        assertEquals(dir.toAbsolutePath(), file.getParent());
        assertTrue(file.getFileName().toString().matches("\\d{8}-\\d{6}\\.\\d{3}-req-42\\.eml"), file.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals(1, r.attempts().size());
        assertEquals(Attempt.Outcome.DELIVERED, r.attempts().get(0).outcome());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList(), "no temporary file is left behind");
        }
        try (InputStream in = Files.newInputStream(file)) {
            MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), in);
            assertEquals("To the outbox", m.getSubject());
            assertEquals(new InternetAddress(MailDelivery.OUTBOX_SENDER), m.getFrom()[0]);
            assertEquals(null, m.getHeader("Cc"));
            assertTrue(((String) m.getContent()).contains("To the outbox"));
        }
    }

    @Test
    void outboxFilesNeverOverwriteEachOtherAndReqidsCannotEscape() throws Exception {
        MailDelivery d = new MailDelivery(List.of(), null, null, tmp.resolve("box"));
        Path a = Path.of(d.deliver("same", mail("A")).where());
        Path b = Path.of(d.deliver("same", mail("B")).where());
        Path c = Path.of(d.deliver("../../etc/passwd", mail("C")).where());

        assertNotEquals(a, b);
        assertEquals(tmp.resolve("box").toAbsolutePath(), c.getParent());
        assertTrue(c.getFileName().toString().endsWith("_etc_passwd.eml"), c.toString());
        try (Stream<Path> s = Files.list(tmp.resolve("box"))) {
            assertEquals(3, s.count());
        }
    }

    @Test
    void anUnwritableOutboxIsACertainFailure() throws Exception {
        Path blocker = tmp.resolve("file");
        Files.writeString(blocker, "not a directory");
        MailDelivery d = new MailDelivery(List.of(), "", FAST, blocker.resolve("outbox"));

        DeliveryException e = assertThrows(DeliveryException.class, () -> d.deliver("r", mail("Nowhere")));

        assertFalse(e.ambiguous());
        assertTrue(e.getMessage().startsWith("the mail could not be written to the outbox: "), e.getMessage());
    }
}
