package dev.kiamms.mail.delivery;

import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.InternetAddress;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-line reasons an operator reads for each way an SMTP session fails, from the exceptions
 * angus-mail throws (its own classes, built as its transport builds them). The scripted-server
 * tests show the common ones end to end; this pins every branch of the wording and of the
 * certain/ambiguous classification.
 */
class SmtpFailuresTest {

    private static InternetAddress a(String s) throws Exception {
        return new InternetAddress(s);
    }

    private static MessagingException wrap(Exception cause) {
        return new MessagingException("Could not connect to SMTP host: mx, port: 25", cause);
    }

    @Test
    void connectFailuresSayWhatHappened() throws Exception {
        assertEquals("authentication failed: 535 5.7.8 bad credentials",
                SmtpFailures.connectFailure(new AuthenticationFailedException("535 5.7.8 bad\r\n credentials")));
        assertEquals("authentication failed", SmtpFailures.connectFailure(new AuthenticationFailedException("failed to connect")));
        assertEquals("authentication failed", SmtpFailures.connectFailure(new AuthenticationFailedException()));
        assertEquals("TLS failure: PKIX path building failed",
                SmtpFailures.connectFailure(wrap(new SSLHandshakeException("PKIX path building failed"))));
        assertEquals("TLS failure: no such certificate",
                SmtpFailures.connectFailure(wrap(new IOException("handshake", new CertificateException("no such certificate")))));
        assertEquals("TLS failure: Can't verify identity of server: mx.example.com",
                SmtpFailures.connectFailure(new MessagingException("Can't verify identity of server: mx.example.com")));
        assertEquals("TLS failure: Server is not trusted: mx",
                SmtpFailures.connectFailure(wrap(new MessagingException("Server is not trusted: mx"))));
        assertEquals("connection refused", SmtpFailures.connectFailure(wrap(new ConnectException("Connection refused"))));
        assertEquals("cannot connect: Network is unreachable",
                SmtpFailures.connectFailure(wrap(new ConnectException("Network is unreachable"))));
        assertEquals("cannot connect:", SmtpFailures.connectFailure(wrap(new ConnectException())).strip());
        assertEquals("no route to host", SmtpFailures.connectFailure(wrap(new NoRouteToHostException("No route"))));
        assertEquals("unknown host", SmtpFailures.connectFailure(wrap(new UnknownHostException("mx.invalid"))));
        assertEquals("connect timed out", SmtpFailures.connectFailure(wrap(new SocketTimeoutException("Connect timed out"))));
        assertEquals("timed out waiting for the server", SmtpFailures.connectFailure(wrap(new SocketTimeoutException("Read timed out"))));
        assertEquals("timed out waiting for the server", SmtpFailures.connectFailure(wrap(new SocketTimeoutException())));
        assertEquals("cannot open the SMTP session: Could not connect to SMTP host: mx, port: 25: strange",
                SmtpFailures.connectFailure(wrap(new IllegalStateException("strange"))));
        assertEquals("cannot open the SMTP session: same", SmtpFailures.connectFailure(
                new MessagingException("same", new IllegalStateException("same"))));
        assertEquals("cannot open the SMTP session: deep", SmtpFailures.connectFailure(
                new MessagingException(null, new IllegalStateException("deep"))));
        assertEquals("cannot open the SMTP session: MessagingException", SmtpFailures.connectFailure(new MessagingException()));
        assertEquals("cannot open the SMTP session: top", SmtpFailures.connectFailure(
                new MessagingException("top", new IllegalStateException("  "))));
    }

    @Test
    void sendFailuresNameTheCommandAndTheReply() throws Exception {
        assertEquals("MAIL FROM rejected: 550 5.7.1 no", SmtpFailures.sendFailure(
                new SMTPSenderFailedException(a("s@kiam.test"), "MAIL FROM:<s@kiam.test>", 550, "550 5.7.1 no")));
        SendFailedException rcpts = new SendFailedException("Invalid Addresses");
        SMTPAddressFailedException first = new SMTPAddressFailedException(a("x@example.org"), "RCPT TO:<x@example.org>", 550,
                "550 5.1.1 no such user");
        first.setNextException(new SMTPAddressFailedException(a("y@example.org"), "RCPT TO:<y@example.org>", 552, "552 full"));
        rcpts.setNextException(first);
        assertEquals("RCPT TO rejected: x@example.org 550 5.1.1 no such user; y@example.org 552 full", SmtpFailures.sendFailure(rcpts));

        assertEquals("message data rejected: 451 later", SmtpFailures.sendFailure(sent(".", 451, "451 later")));
        assertEquals("message data rejected: 552 big", SmtpFailures.sendFailure(sent("BDAT 100 LAST", 552, "552 big")));
        assertEquals("message data rejected: connection closed by the server", SmtpFailures.sendFailure(sent(".", -1, "gone")));
        assertEquals("DATA rejected: 554 no", SmtpFailures.sendFailure(sent("DATA", 554, "554 no")));
        assertEquals("MAIL FROM failed: 421 bye", SmtpFailures.sendFailure(sent("MAIL FROM:<s@kiam.test>", 421, "421 bye")));
        assertEquals("RCPT TO failed: 421 bye", SmtpFailures.sendFailure(sent("RCPT TO:<x@example.org>", 421, "421 bye")));
        assertEquals("NOOP failed: 500 what", SmtpFailures.sendFailure(sent("NOOP", 500, "500 what")));
        assertEquals("ABCDEFGHIJKLMNOPQRST failed: 500 what", SmtpFailures.sendFailure(sent("ABCDEFGHIJKLMNOPQRSTUVWXYZ x", 500, "500 what")));
        assertEquals("500 what", SmtpFailures.sendFailure(sent(null, 500, "500 what")));
        assertEquals("No recipient addresses", SmtpFailures.sendFailure(new SendFailedException("No recipient addresses")));
        assertEquals("connection closed by the server",
                SmtpFailures.sendFailure(new SendFailedException("Sending failed", new EOFException())));
        assertEquals("timed out waiting for the server",
                SmtpFailures.sendFailure(new MessagingException("x", new SocketTimeoutException("Read timed out"))));
    }

    private static SMTPSendFailedException sent(String cmd, int code, String reply) {
        return new SMTPSendFailedException(cmd, code, reply, null, null, null, null);
    }

    @Test
    void ioFailuresAreToldApart() {
        assertEquals("timed out waiting for the server", SmtpFailures.ioFailure(new MessagingException("x", new SocketTimeoutException())));
        assertEquals("connection closed by the server", SmtpFailures.ioFailure(new MessagingException("x", new EOFException())));
        assertEquals("connection lost: Connection reset", SmtpFailures.ioFailure(new MessagingException("x", new SocketException("Connection reset"))));
        assertEquals("I/O error: Broken pipe", SmtpFailures.ioFailure(new MessagingException("x", new IOException("Broken pipe"))));
        assertEquals("odd: why", SmtpFailures.ioFailure(new MessagingException("odd", new IllegalStateException("why"))));
        assertEquals("the server closed the connection without a final reply to the message data",
                SmtpFailures.noVerdict(new MessagingException("x", new EOFException()), -1));
        assertEquals("no final reply to the message data: timed out waiting for the server",
                SmtpFailures.noVerdict(new MessagingException("x", new SocketTimeoutException()), 0));
    }

    @Test
    void aPartialDeliveryNamesWhoWasRefused() throws Exception {
        SendFailedException byServer = new SendFailedException("partial");
        byServer.setNextException(new SMTPAddressFailedException(a("x@example.org"), "RCPT TO:<x@example.org>", 550, "550 no"));
        assertEquals("refused: x@example.org 550 no", SmtpFailures.partialDetail(byServer));
        assertEquals("refused: bad@example.org, late@example.org", SmtpFailures.partialDetail(new SendFailedException("partial", null,
                new Address[0], new Address[]{a("late@example.org")}, new Address[]{a("bad@example.org")})));
        assertEquals("refused: late@example.org", SmtpFailures.partialDetail(
                new SendFailedException("partial", null, null, new Address[]{a("late@example.org")}, null)));
        assertEquals("some recipients were refused", SmtpFailures.partialDetail(new SendFailedException("partial", null, null, null, null)));
        assertEquals("some recipients were refused", SmtpFailures.partialDetail(new MessagingException("partial")));
    }

    @Test
    void onlyA4xxOr5xxOtherThan421IsAnExplicitRejection() throws Exception {
        assertTrue(SmtpFailures.explicitRejection(sent(".", 400, "400")));
        assertTrue(SmtpFailures.explicitRejection(sent(".", 599, "599")));
        assertFalse(SmtpFailures.explicitRejection(sent(".", 421, "421 closing")));
        assertFalse(SmtpFailures.explicitRejection(sent(".", 399, "399")));
        assertFalse(SmtpFailures.explicitRejection(sent(".", 600, "600")));
        assertFalse(SmtpFailures.explicitRejection(sent(".", -1, "none")));
        assertFalse(SmtpFailures.explicitRejection(new MessagingException("x", new EOFException())));
        MessagingException nested = new MessagingException("outer");
        nested.setNextException(new SMTPAddressFailedException(a("x@example.org"), "RCPT TO:<x@example.org>", 550, "550"));
        assertTrue(SmtpFailures.explicitRejection(nested));
        assertTrue(SmtpFailures.explicitRejection(new MessagingException("outer",
                new SMTPSenderFailedException(a("s@kiam.test"), "MAIL FROM:<s@kiam.test>", 553, "553"))));
        assertFalse(SmtpFailures.explicitRejection(new MessagingException("outer",
                new SMTPSenderFailedException(a("s@kiam.test"), "MAIL FROM:<s@kiam.test>", 421, "421"))));
    }

    @Test
    void theChainVisitsEachExceptionOnceAndStopsAtFifty() {
        MessagingException a = new MessagingException("a");
        IOException b = new IOException("b");
        RuntimeException c = new RuntimeException("c", b);
        b.initCause(c); // a cycle: b -> c -> b
        a.setNextException(b);
        assertEquals(3, SmtpFailures.chain(a).size());
        assertSame(b, SmtpFailures.chain(a).get(1));
        assertSame(c, SmtpFailures.chain(a).get(2));
        Exception deep = new IOException("0");
        for (int i = 1; i < 60; i++) {
            deep = new IOException(Integer.toString(i), deep);
        }
        assertEquals(50, SmtpFailures.chain(deep).size());
        assertNull(SmtpFailures.find(a, SocketException.class));
        assertTrue(SmtpFailures.hasIOException(new MessagingException("x", new EOFException())));
        assertFalse(SmtpFailures.hasIOException(new MessagingException("x", new IllegalStateException("y"))));
    }

    @Test
    void oneLineFoldsAndCutsAndScrubHidesThePassword() {
        assertEquals("", SmtpFailures.oneLine(null));
        assertEquals("a b c", SmtpFailures.oneLine(" a\r\n\tb   c "));
        String exact = "x".repeat(300);
        assertEquals(exact, SmtpFailures.oneLine(exact));
        assertEquals(exact + "...", SmtpFailures.oneLine(exact + "y"));
        assertEquals("user pw ********", SmtpFailures.scrub("user pw s3cr3t", "s3cr3t"));
        assertEquals("pw abcd", SmtpFailures.scrub("pw abcd", "abc"), "a password under 4 characters is left alone");
        assertEquals("pw ********", SmtpFailures.scrub("pw abcd", "abcd"));
        assertNull(SmtpFailures.scrub(null, "abcd"));
        assertEquals("pw", SmtpFailures.scrub("pw", null));
    }
}
