package dev.kiamms.mail.delivery;

import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.kiamms.mail.delivery.DeliveryTestSupport.FAST;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.HOST;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.SENDER;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.TO;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.closedPort;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.greenMail;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.greenMailSmtps;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.mail;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.mta;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.smtpPort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Delivery to GreenMail over real TCP: plain SMTP, SMTPS, AUTH, failover, connection reuse. */
@Timeout(60)
class MailDeliveryGreenMailTest {

    private final List<GreenMail> servers = new ArrayList<>();
    private final List<MailDelivery> deliveries = new ArrayList<>();

    @AfterEach
    void stop() {
        deliveries.forEach(MailDelivery::close);
        servers.forEach(GreenMail::stop);
    }

    private GreenMail started(GreenMail g) {
        servers.add(g);
        return g;
    }

    private MailDelivery delivery(List<MtaConfig> mtas, String preferred) {
        return delivery(mtas, preferred, Map.of());
    }

    private MailDelivery delivery(List<MtaConfig> mtas, String preferred, Map<String, ?> extra) {
        MailDelivery d = new MailDelivery(mtas, preferred, FAST, null, extra);
        deliveries.add(d);
        return d;
    }

    private static long copiesFor(GreenMail g, String address) {
        return g.findReceivedMessages(u -> u.getEmail().equalsIgnoreCase(address), m -> true).count();
    }

    @Test
    void plainSmtpDeliversOnceAndTheReportNamesTheMta() throws Exception {
        GreenMail g = started(greenMail());
        MailDelivery d = delivery(List.of(mta("main", smtpPort(g))), "");
        assertFalse(d.usesOutbox());

        DeliveryReport r = d.deliver("req-1", mail("Welcome"));

        assertEquals("main", r.mta());
        assertEquals(HOST + ":" + smtpPort(g), r.where());
        assertEquals(1, r.attempts().size());
        assertEquals(Attempt.Outcome.DELIVERED, r.attempts().get(0).outcome());
        assertTrue(r.attempts().get(0).detail().startsWith(HOST + ":" + smtpPort(g) + " accepted"), r.attempts().toString());
        MimeMessage[] got = g.getReceivedMessages();
        assertEquals(1, got.length);
        assertEquals("Welcome", got[0].getSubject());
        assertEquals(new InternetAddress(SENDER), got[0].getFrom()[0]);
        assertEquals("KrossIAM", ((InternetAddress) got[0].getFrom()[0]).getPersonal());
    }

    @Test
    void theMtasReplyToCcAndBccAreApplied() throws Exception {
        GreenMail g = started(greenMail());
        MtaConfig m = new MtaConfig("main", HOST, smtpPort(g), false, SENDER, "Support <help@kiam.test>",
                List.of("audit@kiam.test"), List.of("archive@kiam.test", "copy@kiam.test"), "", "");
        MailDelivery d = delivery(List.of(m), "");

        d.deliver("req-cc", mail("With copies"));

        assertEquals(1, copiesFor(g, TO));
        assertEquals(1, copiesFor(g, "audit@kiam.test"));
        assertEquals(1, copiesFor(g, "archive@kiam.test"));
        assertEquals(1, copiesFor(g, "copy@kiam.test"));
        MimeMessage msg = g.getReceivedMessages()[0];
        assertEquals("audit@kiam.test", ((InternetAddress) msg.getRecipients(jakarta.mail.Message.RecipientType.CC)[0]).getAddress());
        assertNull(msg.getHeader("Bcc"), "Bcc must not be visible in the delivered message");
        assertEquals("help@kiam.test", ((InternetAddress) msg.getReplyTo()[0]).getAddress());
    }

    @Test
    void aRefusedConnectionFailsOverToTheNextMta() throws Exception {
        GreenMail g = started(greenMail());
        int dead = closedPort();
        MailDelivery d = delivery(List.of(mta("dead", dead), mta("main", smtpPort(g))), "");

        DeliveryReport r = d.deliver("req-2", mail("Failover"));

        assertEquals("main", r.mta());
        assertEquals(2, r.attempts().size());
        Attempt first = r.attempts().get(0);
        assertEquals("dead", first.mta());
        assertEquals(Attempt.Outcome.NOT_DELIVERED, first.outcome());
        assertEquals(HOST + ":" + dead + " connection refused", first.detail());
        assertEquals(Attempt.Outcome.DELIVERED, r.attempts().get(1).outcome());
        assertEquals(1, g.getReceivedMessages().length);
    }

    @Test
    void thePreferredMtaIsTriedFirst() throws Exception {
        GreenMail a = started(greenMail());
        GreenMail b = started(greenMail());
        GreenMail c = started(greenMail());
        MailDelivery d = delivery(List.of(mta("a", smtpPort(a)), mta("b", smtpPort(b)), mta("c", smtpPort(c))), "c");

        assertEquals(List.of("c", "a", "b"), d.mtaOrder());
        DeliveryReport r = d.deliver("req-3", mail("Preferred"));

        assertEquals("c", r.mta());
        assertEquals(1, c.getReceivedMessages().length);
        assertEquals(0, a.getReceivedMessages().length);
        assertEquals(0, b.getReceivedMessages().length);
    }

    @Test
    void smtpsDelivers() throws Exception {
        GreenMail g = started(greenMailSmtps());
        // GreenMail's certificate names no host, so only this test turns the host name check off;
        // the scripted-server tests cover the check itself.
        Map<String, Object> extra = Map.of("mail.smtp.ssl.socketFactory", TestTls.get().clientTrustingTestCerts,
                "mail.smtp.ssl.checkserveridentity", "false");
        MailDelivery d = delivery(List.of(mta("tls", HOST, smtpPort(g), true, "", "")), "", extra);

        DeliveryReport r = d.deliver("req-4", mail("Over TLS"));

        assertEquals("tls", r.mta());
        assertEquals(1, g.getReceivedMessages().length);
        assertEquals("Over TLS", g.getReceivedMessages()[0].getSubject());
    }

    @Test
    void smtpsWithAnUntrustedCertificateIsACertainFailure() throws Exception {
        GreenMail tls = started(greenMailSmtps());
        GreenMail plain = started(greenMail());
        MailDelivery d = delivery(List.of(mta("tls", HOST, smtpPort(tls), true, "", ""), mta("plain", smtpPort(plain))), "");

        DeliveryReport r = d.deliver("req-5", mail("Untrusted"));

        assertEquals("plain", r.mta());
        assertTrue(r.attempts().get(0).detail().contains("TLS failure"), r.attempts().get(0).detail());
        assertEquals(0, tls.getReceivedMessages().length);
        assertEquals(1, plain.getReceivedMessages().length);
    }

    @Test
    void authWithTheRightPasswordDelivers() throws Exception {
        GreenMail g = started(greenMail());
        g.setUser("sender@kiam.test", "sender@kiam.test", "Right-Pass-123");
        // user empty: the sender's address logs in
        MailDelivery d = delivery(List.of(mta("auth", HOST, smtpPort(g), false, "", "Right-Pass-123")), "");

        DeliveryReport r = d.deliver("req-6", mail("Authenticated"));

        assertEquals("auth", r.mta());
        assertEquals(1, copiesFor(g, TO));
    }

    @Test
    void aWrongPasswordFailsOverAndIsNeverShown() throws Exception {
        String secret = "Zq9-VeryDistinctive-Pw-4711";
        GreenMail g = started(greenMail());
        g.setUser("login@kiam.test", "login@kiam.test", "Right-Pass-123");
        GreenMail other = started(greenMail());
        try (DeliveryTestSupport.LogCapture log = new DeliveryTestSupport.LogCapture()) {
            MailDelivery d = delivery(List.of(mta("auth", HOST, smtpPort(g), false, "login@kiam.test", secret),
                    mta("other", smtpPort(other))), "");

            DeliveryReport r = d.deliver("req-7", mail("Wrong password"));

            assertEquals("other", r.mta());
            Attempt first = r.attempts().get(0);
            assertEquals(Attempt.Outcome.NOT_DELIVERED, first.outcome());
            assertTrue(first.detail().contains("authentication failed"), first.detail());
            assertFalse(first.detail().contains(secret));
            assertEquals(0, copiesFor(g, TO));
            assertEquals(1, copiesFor(other, TO));

            // the only MTA: the failure's message is all the caller sees
            MailDelivery alone = delivery(List.of(mta("auth", HOST, smtpPort(g), false, "login@kiam.test", secret)), "");
            DeliveryException e = assertThrows(DeliveryException.class, () -> alone.deliver("req-8", mail("x")));
            assertFalse(e.ambiguous());
            assertTrue(e.getMessage().startsWith("no MTA accepted the mail: auth (" + HOST + ":" + smtpPort(g)
                    + "): authentication failed"), e.getMessage());
            assertFalse(e.getMessage().contains(secret));
            e.attempts().forEach(a -> assertFalse(a.detail().contains(secret)));
            assertFalse(log.lines().isEmpty());
            log.lines().forEach(l -> assertFalse(l.contains(secret), l));
            assertTrue(log.lines().stream().anyMatch(l -> l.startsWith("WARNING reqid=req-8 auth")), log.lines().toString());
        }
    }

    @Test
    void twentyMailsShareOneConnection() throws Exception {
        GreenMail g = started(greenMail());
        MailDelivery d = delivery(List.of(mta("main", smtpPort(g))), "");

        for (int i = 0; i < 20; i++) {
            d.deliver("req-r" + i, mail("Mail " + i));
        }

        assertTrue(g.waitForIncomingEmail(10_000, 20));
        assertEquals(20, g.getReceivedMessages().length);
        assertTrue(d.connectionsOpened() < 20, "opened " + d.connectionsOpened());
        assertEquals(1, d.connectionsOpened());
        assertEquals(1, d.idleConnections());
        d.close();
        assertEquals(0, d.idleConnections());
    }

    @Test
    void concurrentSendersEachGetTheirOwnConnection() throws Exception {
        GreenMail g = started(greenMail());
        MailDelivery d = delivery(List.of(mta("main", smtpPort(g))), "");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<DeliveryReport>> futures = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String n = "c" + i;
                futures.add(pool.submit(() -> d.deliver(n, mail("Concurrent " + n))));
            }
            for (Future<DeliveryReport> f : futures) {
                assertEquals("main", f.get(30, java.util.concurrent.TimeUnit.SECONDS).mta());
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(g.waitForIncomingEmail(10_000, 40));
        assertEquals(40, g.getReceivedMessages().length);
        assertEquals(40, Arrays.stream(g.getReceivedMessages()).map(m -> {
            try {
                return m.getSubject();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).distinct().count());
        assertTrue(d.connectionsOpened() <= 4, "opened " + d.connectionsOpened());
    }
}
