package dev.kiamms.mail.delivery;

import com.icegreen.greenmail.util.GreenMail;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.kiamms.mail.delivery.DeliveryTestSupport.FAST;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.HOST;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.STALL_1S;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.closedPort;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.greenMail;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.mail;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.mta;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.smtpPort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failover rules, connection reuse and TLS against {@link ScriptedSmtpServer}, which can reject,
 * stall or hang up at any step; GreenMail stands for "the next MTA" and must receive nothing when
 * the mail may already have been delivered.
 */
@Timeout(60)
class MailDeliveryScriptedTest {

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private ScriptedSmtpServer scripted() throws Exception {
        ScriptedSmtpServer s = new ScriptedSmtpServer();
        resources.add(s);
        return s;
    }

    private ScriptedSmtpServer scriptedSmtps(javax.net.ssl.SSLContext ctx) throws Exception {
        ScriptedSmtpServer s = new ScriptedSmtpServer(ctx);
        resources.add(s);
        return s;
    }

    private GreenMail next() {
        GreenMail g = greenMail();
        resources.add(g::stop);
        return g;
    }

    private MailDelivery delivery(SmtpTimeouts timeouts, Map<String, ?> extra, MtaConfig... mtas) {
        MailDelivery d = new MailDelivery(List.of(mtas), "", timeouts, null, extra);
        resources.add(d);
        return d;
    }

    private MailDelivery delivery(MtaConfig... mtas) {
        return delivery(FAST, Map.of(), mtas);
    }

    // ---- certain failures: the next MTA gets the mail ----

    @Test
    void aRejectedSenderFailsOver() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.mailReply = "550 5.7.1 sender rejected";
        GreenMail g = next();
        MailDelivery d = delivery(mta("strict", s.port()), mta("main", smtpPort(g)));

        DeliveryReport r = d.deliver("r1", mail("Sender rejected"));

        assertEquals("main", r.mta());
        assertEquals(HOST + ":" + s.port() + " MAIL FROM rejected: 550 5.7.1 sender rejected", r.attempts().get(0).detail());
        assertEquals(Attempt.Outcome.NOT_DELIVERED, r.attempts().get(0).outcome());
        assertTrue(s.accepted().isEmpty());
        assertEquals(1, g.getReceivedMessages().length);
    }

    @Test
    void allRecipientsRejectedFailsOver() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.rcptReply = line -> "550 5.1.1 no such user";
        GreenMail g = next();
        MailDelivery d = delivery(mta("strict", s.port()), mta("main", smtpPort(g)));

        DeliveryReport r = d.deliver("r2", mail("Nobody here"));

        assertEquals("main", r.mta());
        assertTrue(r.attempts().get(0).detail().contains("RCPT TO rejected"), r.attempts().get(0).detail());
        assertTrue(r.attempts().get(0).detail().contains("550 5.1.1 no such user"), r.attempts().get(0).detail());
        assertEquals(1, g.getReceivedMessages().length);
    }

    @Test
    void aRejectedDataCommandFailsOver() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.dataReply = "554 5.3.0 no data today";
        GreenMail g = next();
        MailDelivery d = delivery(mta("strict", s.port()), mta("main", smtpPort(g)));

        DeliveryReport r = d.deliver("r3", mail("No data"));

        assertEquals("main", r.mta());
        assertTrue(r.attempts().get(0).detail().contains("554 5.3.0 no data today"), r.attempts().get(0).detail());
        assertEquals(1, g.getReceivedMessages().length);
    }

    @Test
    void aRejectionOfTheDataIsCertainAndFailsOver() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.endReply = "451 4.3.0 try again later";
        GreenMail g = next();
        MailDelivery d = delivery(mta("busy", s.port()), mta("main", smtpPort(g)));

        DeliveryReport r = d.deliver("r4", mail("Data rejected"));

        assertEquals("main", r.mta());
        Attempt first = r.attempts().get(0);
        assertEquals(Attempt.Outcome.NOT_DELIVERED, first.outcome());
        assertEquals(HOST + ":" + s.port() + " message data rejected: 451 4.3.0 try again later", first.detail());
        assertEquals(1, g.getReceivedMessages().length);
    }

    @Test
    void aStallBeforeTheDataFailsOver() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.rcptReply = line -> ScriptedSmtpServer.STALL;
        GreenMail g = next();
        MailDelivery d = delivery(STALL_1S, Map.of(), mta("slow", s.port()), mta("main", smtpPort(g)));

        DeliveryReport r = d.deliver("r-stall", mail("Stalled at RCPT"));

        assertEquals("main", r.mta());
        assertEquals(Attempt.Outcome.NOT_DELIVERED, r.attempts().get(0).outcome());
        assertTrue(r.attempts().get(0).detail().contains("timed out"), r.attempts().get(0).detail());
        assertFalse(s.commands().contains("DATA"), s.commands().toString());
        assertEquals(1, g.getReceivedMessages().length);
    }

    @Test
    void aHangUpBeforeTheDataFailsOver() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.mailReply = ScriptedSmtpServer.CLOSE;
        GreenMail g = next();
        MailDelivery d = delivery(mta("rude", s.port()), mta("main", smtpPort(g)));

        DeliveryReport r = d.deliver("r-hangup", mail("Hung up at MAIL"));

        assertEquals("main", r.mta());
        assertEquals(Attempt.Outcome.NOT_DELIVERED, r.attempts().get(0).outcome());
        assertTrue(s.accepted().isEmpty());
        assertEquals(1, g.getReceivedMessages().length);
    }

    @Test
    void aGreetingOf421FailsOver() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.greeting = "421 4.3.2 too busy, try later";
        GreenMail g = next();
        MailDelivery d = delivery(mta("busy", s.port()), mta("main", smtpPort(g)));

        DeliveryReport r = d.deliver("r-421", mail("Busy greeting"));

        assertEquals("main", r.mta());
        assertEquals(Attempt.Outcome.NOT_DELIVERED, r.attempts().get(0).outcome());
        assertTrue(s.commands().isEmpty(), "nothing was said to a server that refused the session: " + s.commands());
        assertEquals(1, g.getReceivedMessages().length);
    }

    @Test
    void aConnectTimeOutFailsOver() throws Exception {
        // A listening socket whose accept queue is full: the kernel drops further SYNs, so a
        // connect neither succeeds nor is refused; it times out as to a host that is gone.
        try (java.net.ServerSocket full = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> filling = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    java.net.Socket f = new java.net.Socket();
                    try {
                        f.connect(full.getLocalSocketAddress(), 300);
                        filling.add(f);
                    } catch (java.io.IOException queueFull) {
                        f.close();
                        break;
                    }
                }
                GreenMail g = next();
                SmtpTimeouts connect1s = new SmtpTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(3));
                MailDelivery d = delivery(connect1s, Map.of(), mta("gone", full.getLocalPort()), mta("main", smtpPort(g)));

                DeliveryReport r = d.deliver("r-connect", mail("Connect timed out"));

                assertEquals("main", r.mta());
                assertEquals(Attempt.Outcome.NOT_DELIVERED, r.attempts().get(0).outcome());
                assertTrue(r.attempts().get(0).detail().endsWith("connect timed out"), r.attempts().get(0).detail());
                assertEquals(1, g.getReceivedMessages().length);
            } finally {
                for (java.net.Socket f : filling) {
                    f.close();
                }
            }
        }
    }

    @Test
    void aPasswordForAServerWithoutAuthIsRefusedAndFailsOver() throws Exception {
        ScriptedSmtpServer s = scripted(); // its EHLO offers no AUTH
        GreenMail g = next();
        MailDelivery d = delivery(DeliveryTestSupport.mta("noauth", HOST, s.port(), false, "kiam", "s3cret-pw"),
                mta("main", smtpPort(g)));

        DeliveryReport r = d.deliver("r-noauth", mail("No AUTH offered"));

        assertEquals("main", r.mta());
        Attempt first = r.attempts().get(0);
        assertEquals(Attempt.Outcome.NOT_DELIVERED, first.outcome());
        assertTrue(first.detail().contains("offers no AUTH"), first.detail());
        assertFalse(first.detail().contains("s3cret-pw"), first.detail());
        assertTrue(s.commands().stream().noneMatch(c -> c.startsWith("MAIL")), "nothing sent unauthenticated: " + s.commands());
        assertTrue(s.accepted().isEmpty());
        assertEquals(1, g.getReceivedMessages().length);
    }

    @Test
    void onceTheDeadlineHasPassedNoFurtherMtaIsTried() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.greeting = ScriptedSmtpServer.STALL;
        GreenMail g = next();
        MailDelivery d = delivery(STALL_1S, Map.of(), mta("slow", s.port()), mta("main", smtpPort(g)));

        long deadline = System.nanoTime() + Duration.ofMillis(200).toNanos(); // passes during the first attempt
        DeliveryException e = assertThrows(DeliveryException.class, () -> d.deliver("r-late", mail("Too late"), deadline));

        assertFalse(e.ambiguous(), "nothing reached DATA");
        assertTrue(e.getMessage().contains("main (" + HOST + ":" + smtpPort(g) + "): not tried, out of time"), e.getMessage());
        assertEquals(1, e.attempts().size(), "only the attempt under way when the deadline passed");
        assertEquals(0, g.getReceivedMessages().length, "the next MTA is not started after the deadline");
    }

    @Test
    void whenEveryMtaFailsTheMessageListsEachAttempt() throws Exception {
        int dead = closedPort();
        ScriptedSmtpServer s = scripted();
        s.mailReply = "550 5.7.1 sender rejected";
        MailDelivery d = delivery(mta("main", dead), mta("backup", s.port()));

        DeliveryException e = assertThrows(DeliveryException.class, () -> d.deliver("r5", mail("Nowhere")));

        assertFalse(e.ambiguous());
        assertEquals("no MTA accepted the mail: main (" + HOST + ":" + dead + "): connection refused; backup ("
                + HOST + ":" + s.port() + "): MAIL FROM rejected: 550 5.7.1 sender rejected", e.getMessage());
        assertEquals(2, e.attempts().size());
        assertTrue(e.attempts().stream().allMatch(a -> a.outcome() == Attempt.Outcome.NOT_DELIVERED));
    }

    // ---- ambiguous failures: stop, never resend ----

    @Test
    void noReplyAfterTheDataIsAmbiguousAndNotResent() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.endReply = ScriptedSmtpServer.STALL;
        GreenMail g = next();
        MailDelivery d = delivery(STALL_1S, Map.of(), mta("slow", s.port()), mta("main", smtpPort(g)));

        DeliveryException e = assertThrows(DeliveryException.class, () -> d.deliver("r6", mail("Stalled")));

        assertTrue(e.ambiguous());
        assertTrue(e.getMessage().startsWith("the mail may have been delivered by slow (" + HOST + ":" + s.port()
                + ") and was not resent: "), e.getMessage());
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        assertEquals(1, e.attempts().size());
        assertEquals(Attempt.Outcome.AMBIGUOUS, e.attempts().get(0).outcome());
        assertEquals(0, g.getReceivedMessages().length, "the next MTA must receive nothing");
        assertEquals(0, d.idleConnections());
    }

    @Test
    void aConnectionClosedAfterTheDataIsAmbiguousAndNotResent() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.endReply = ScriptedSmtpServer.CLOSE;
        GreenMail g = next();
        MailDelivery d = delivery(mta("flaky", s.port()), mta("main", smtpPort(g)));

        DeliveryException e = assertThrows(DeliveryException.class, () -> d.deliver("r7", mail("Hung up")));

        assertTrue(e.ambiguous());
        assertTrue(e.getMessage().contains("may have been delivered"), e.getMessage());
        assertTrue(e.getMessage().contains("closed the connection"), e.getMessage());
        assertEquals(0, g.getReceivedMessages().length);
    }

    @Test
    void aConnectionLostWhileTheDataIsWrittenIsAmbiguous() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.dropAfter354 = true;
        GreenMail g = next();
        MailDelivery d = delivery(mta("flaky", s.port()), mta("main", smtpPort(g)));
        String big = "0123456789abcdef".repeat(4096 * 16 * 8); // 8 MB: more than the socket buffers hold
        MessageBuilder large = (session, id) -> {
            jakarta.mail.internet.MimeMessage m = (jakarta.mail.internet.MimeMessage) mail("Large").build(session, id);
            m.setText(big.replaceAll("(.{64})", "$1\n"), "US-ASCII");
            return m;
        };

        DeliveryException e = assertThrows(DeliveryException.class, () -> d.deliver("r7b", large));

        assertTrue(e.ambiguous(), e.getMessage());
        assertTrue(e.getMessage().contains("the connection failed while the message data was sent"), e.getMessage());
        assertEquals(Attempt.Outcome.AMBIGUOUS, e.attempts().get(0).outcome());
        assertEquals(0, g.getReceivedMessages().length);
    }

    @Test
    void aMessageThatCannotBeBuiltIsACertainFailureFoundBeforeConnecting() throws Exception {
        ScriptedSmtpServer s = scripted();
        GreenMail g = next();
        MailDelivery d = delivery(mta("a", s.port()), mta("main", smtpPort(g)));
        MessageBuilder brokenForA = (session, id) -> {
            jakarta.mail.internet.MimeMessage m = (jakarta.mail.internet.MimeMessage) mail("Broken").build(session, id);
            if (id.mtaName().equals("a")) {
                m.setDataHandler(new jakarta.activation.DataHandler(new jakarta.activation.DataSource() {
                    @Override
                    public java.io.InputStream getInputStream() throws java.io.IOException {
                        throw new java.io.IOException("attachment gone");
                    }

                    @Override
                    public java.io.OutputStream getOutputStream() {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public String getContentType() {
                        return "application/octet-stream";
                    }

                    @Override
                    public String getName() {
                        return "gone";
                    }
                }));
            }
            return m;
        };

        DeliveryReport r = d.deliver("r7c", brokenForA);

        assertEquals("main", r.mta());
        assertTrue(r.attempts().get(0).detail().contains("cannot build the message"), r.attempts().get(0).detail());
        assertTrue(r.attempts().get(0).detail().contains("attachment gone"), r.attempts().get(0).detail());
        assertEquals(0, s.sessions(), "nothing is sent when the message cannot be made");
        assertEquals(1, g.getReceivedMessages().length);
    }

    @Test
    void anAmbiguousFailureStopsEvenAfterEarlierCertainOnes() throws Exception {
        int dead = closedPort();
        ScriptedSmtpServer s = scripted();
        s.endReply = ScriptedSmtpServer.CLOSE;
        GreenMail g = next();
        MailDelivery d = delivery(mta("dead", dead), mta("flaky", s.port()), mta("main", smtpPort(g)));

        DeliveryException e = assertThrows(DeliveryException.class, () -> d.deliver("r8", mail("Stop here")));

        assertTrue(e.ambiguous());
        assertEquals(2, e.attempts().size());
        assertEquals(Attempt.Outcome.NOT_DELIVERED, e.attempts().get(0).outcome());
        assertEquals(Attempt.Outcome.AMBIGUOUS, e.attempts().get(1).outcome());
        assertTrue(e.getMessage().contains("(before that: dead (" + HOST + ":" + dead + "): connection refused)"),
                e.getMessage());
        assertEquals(0, g.getReceivedMessages().length);
    }

    @Test
    void someRecipientsRefusedIsDeliveredToTheOthersAndNotResent() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.rcptReply = line -> line.contains("archive@") ? "550 5.1.1 <archive@kiam.test> unknown" : "250 2.1.5 Ok";
        GreenMail g = next();
        MtaConfig partial = new MtaConfig("partial", HOST, s.port(), false, DeliveryTestSupport.SENDER, "", List.of(),
                List.of("archive@kiam.test"), "", "");
        MailDelivery d = delivery(partial, mta("main", smtpPort(g)));

        DeliveryReport r = d.deliver("r9", mail("Partly"));

        assertEquals("partial", r.mta());
        assertEquals(1, r.attempts().size());
        Attempt a = r.attempts().get(0);
        assertEquals(Attempt.Outcome.DELIVERED, a.outcome());
        assertTrue(a.detail().contains("archive@kiam.test"), a.detail());
        assertTrue(a.detail().contains("550 5.1.1"), a.detail());
        assertEquals(1, s.accepted().size());
        assertEquals(0, g.getReceivedMessages().length);
    }

    // ---- connection reuse ----

    @Test
    void connectionsAreReused() throws Exception {
        ScriptedSmtpServer s = scripted();
        MailDelivery d = delivery(mta("main", s.port()));

        for (int i = 0; i < 20; i++) {
            d.deliver("reuse-" + i, mail("Reuse " + i));
        }

        assertEquals(20, s.accepted().size());
        assertTrue(s.sessions() < 20, "sessions: " + s.sessions());
        assertEquals(1, s.sessions());
    }

    @Test
    void aPooledConnectionTheServerClosedIsReplacedTransparently() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.closeAfterMessages = 1; // drops every connection, silently, after its first mail
        MailDelivery d = delivery(mta("main", s.port()));

        for (int i = 0; i < 3; i++) {
            DeliveryReport r = d.deliver("stale-" + i, mail("Stale " + i));
            assertEquals(1, r.attempts().size(), r.attempts().toString());
            assertEquals(Attempt.Outcome.DELIVERED, r.attempts().get(0).outcome());
        }

        assertEquals(3, s.accepted().size());
        assertEquals(3, s.sessions());
    }

    @Test
    void aPooledConnectionThatSaid421IsReplacedTransparently() throws Exception {
        ScriptedSmtpServer s = scripted();
        MailDelivery d = delivery(mta("main", s.port()));
        d.deliver("first", mail("First"));
        // The pooled session now answers 421 (as a server timing out an idle client would);
        // the retry opens a new session, where MAIL is accepted again.
        s.mailReplyBySession = n -> n == 1 ? "421 4.4.2 idle too long" : "250 2.1.0 Ok";
        DeliveryReport r = d.deliver("second", mail("Second"));

        assertEquals(Attempt.Outcome.DELIVERED, r.attempts().get(0).outcome());
        assertEquals(1, r.attempts().size());
        assertEquals(2, s.accepted().size());
        assertEquals(2, s.sessions());
    }

    @Test
    void aConnectionIdleTooLongIsNotReused() throws Exception {
        ScriptedSmtpServer s = scripted();
        MailDelivery d = delivery(mta("main", s.port()));
        d.idleLimit(Duration.ofMillis(50));

        d.deliver("idle-1", mail("Idle 1"));
        Thread.sleep(300);
        d.deliver("idle-2", mail("Idle 2"));

        assertEquals(2, s.accepted().size());
        assertEquals(2, s.sessions());
    }

    // ---- TLS ----

    @Test
    void startTlsIsUsedWhenOffered() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.startTls = TestTls.get().localServer;
        MailDelivery d = delivery(FAST, Map.of("mail.smtp.ssl.socketFactory", TestTls.get().clientTrustingTestCerts),
                mta("main", s.port()));

        DeliveryReport r = d.deliver("tls-1", mail("StartTLS"));

        assertEquals("main", r.mta());
        assertEquals(1, s.tlsSessions());
        assertTrue(s.commands().contains("STARTTLS"));
        assertEquals(1, s.accepted().size());
    }

    @Test
    void startTlsWithACertificateForAnotherHostFailsOver() throws Exception {
        ScriptedSmtpServer s = scripted();
        s.startTls = TestTls.get().wrongNameServer;
        GreenMail g = next();
        MailDelivery d = delivery(FAST, Map.of("mail.smtp.ssl.socketFactory", TestTls.get().clientTrustingTestCerts),
                mta("wrong", s.port()), mta("main", smtpPort(g)));

        DeliveryReport r = d.deliver("tls-2", mail("Wrong name"));

        assertEquals("main", r.mta());
        assertTrue(r.attempts().get(0).detail().contains("TLS failure"), r.attempts().get(0).detail());
        assertTrue(s.accepted().isEmpty());
        assertEquals(1, g.getReceivedMessages().length);
    }

    @Test
    void smtpsChecksTheServersName() throws Exception {
        ScriptedSmtpServer good = scriptedSmtps(TestTls.get().localServer);
        ScriptedSmtpServer wrong = scriptedSmtps(TestTls.get().wrongNameServer);
        Map<String, Object> extra = Map.of("mail.smtp.ssl.socketFactory", TestTls.get().clientTrustingTestCerts);
        MailDelivery d = delivery(FAST, extra, mta("wrong", HOST, wrong.port(), true, "", ""),
                mta("good", HOST, good.port(), true, "", ""));

        DeliveryReport r = d.deliver("tls-3", mail("SMTPS"));

        assertEquals("good", r.mta());
        assertTrue(r.attempts().get(0).detail().contains("TLS failure"), r.attempts().get(0).detail());
        assertTrue(wrong.accepted().isEmpty());
        assertEquals(1, good.accepted().size());
        assertEquals(1, good.tlsSessions());
    }
}
