package dev.kiamms.mail.delivery;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Address;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.internet.MimeMessage;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Shared pieces of the delivery tests. */
final class DeliveryTestSupport {

    static final String HOST = "127.0.0.1";
    static final String SENDER = "KrossIAM <sender@kiam.test>";
    static final String TO = "user@example.org";
    static final SmtpTimeouts FAST = new SmtpTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(3));
    /** A read time-out of 1 s, for servers that stall. */
    static final SmtpTimeouts STALL_1S = new SmtpTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofSeconds(3));

    private DeliveryTestSupport() {
    }

    static MtaConfig mta(String name, int port) {
        return new MtaConfig(name, HOST, port, false, SENDER, "", List.of(), List.of(), "", "");
    }

    static MtaConfig mta(String name, String host, int port, boolean ssl, String user, String passwd) {
        return new MtaConfig(name, host, port, ssl, SENDER, "", List.of(), List.of(), user, passwd);
    }

    /** A builder that does what the mail handlers do with the identity: From, Reply-To, Cc, Bcc. */
    static MessageBuilder mail(String subject) {
        return mail(subject, TO);
    }

    static MessageBuilder mail(String subject, String to) {
        return (session, id) -> {
            MimeMessage m = new MimeMessage(session);
            m.setFrom(id.sender());
            if (id.replyTo() != null) {
                m.setReplyTo(new Address[]{id.replyTo()});
            }
            m.setRecipients(RecipientType.TO, to);
            if (!id.cc().isEmpty()) {
                m.setRecipients(RecipientType.CC, id.cc().toArray(new Address[0]));
            }
            if (!id.bcc().isEmpty()) {
                m.setRecipients(RecipientType.BCC, id.bcc().toArray(new Address[0]));
            }
            m.setSubject(subject, "UTF-8");
            m.setText("Hello from " + id.mtaName() + ": " + subject, "UTF-8");
            return m;
        };
    }

    static GreenMail greenMail() {
        GreenMail g = new GreenMail(new ServerSetup(0, HOST, ServerSetup.PROTOCOL_SMTP));
        g.start();
        return g;
    }

    static GreenMail greenMailSmtps() {
        GreenMail g = new GreenMail(new ServerSetup(0, HOST, ServerSetup.PROTOCOL_SMTPS));
        g.start();
        return g;
    }

    static int smtpPort(GreenMail g) {
        return g.getSmtp() != null ? g.getSmtp().getPort() : g.getSmtps().getPort();
    }

    /** A port on 127.0.0.1 nothing listens on (bound, then released). */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Collects what logger "kiamms.mail" logs, FINE and up, until closed. */
    static final class LogCapture implements AutoCloseable {
        private final Logger logger = Logger.getLogger("kiamms.mail");
        private final Level before = logger.getLevel();
        private final List<String> lines = new ArrayList<>();
        private final Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                synchronized (lines) {
                    lines.add(r.getLevel() + " " + new java.util.logging.SimpleFormatter().formatMessage(r));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };

        LogCapture() {
            handler.setLevel(Level.ALL);
            logger.setLevel(Level.ALL);
            logger.addHandler(handler);
        }

        List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        @Override
        public void close() {
            logger.removeHandler(handler);
            logger.setLevel(before);
        }
    }
}
