package dev.kiamms.mail.delivery;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import org.eclipse.angus.mail.smtp.SMTPTransport;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Angus's SMTP transport that also records how far the current {@code sendMessage} got, so a
 * failure can be classed as certain (nothing can have been delivered) or ambiguous (the server
 * may have taken the message).
 *
 * <p>Why not {@link SMTPTransport#getLastReturnCode()} alone: angus sets it to 0 when reading a
 * reply fails (time-out, reset) and to -1 on end of stream, so after the failures that matter
 * it no longer says which command was waiting for its reply. Instead this class overrides the
 * protected steps {@code sendMessage} goes through, which angus calls in a fixed order (checked
 * against angus-mail 2.0.5: mailFrom, rcptTo, {@code data()} = DATA expecting 354, the message
 * written to that stream, {@code finishData()} = "." expecting 250):
 * <ul>
 *   <li>{@link #data()} returning normally means the server answered 354: the data phase began;</li>
 *   <li>{@link #finishData()} being entered means the end of the data may be on the wire;</li>
 *   <li>the first reply read after that ({@link #readServerResponse()}) is the server's verdict on
 *       the data: 250 delivered, 4xx/5xx rejected (certain), none at all: ambiguous.</li>
 * </ul>
 * BDAT (CHUNKING, only used when {@code mail.smtp.chunksize} is set) is tracked the same way.
 * One transport is used by one thread at a time (it sits in a pool between mails).
 */
final class TrackingTransport extends SMTPTransport {

    enum Phase {
        /** Before the server's 354: nothing can have been delivered. */
        BEFORE_DATA,
        /** 354 received, message being written; the end-of-data mark not yet sent. */
        DATA_STARTED,
        /** The end of the data was (or was being) sent; waiting for the final reply. */
        END_SENT,
        /** The server answered 2xx to the end of the data: the message is delivered. */
        ACCEPTED
    }

    /** {@link #endReply} before any reply to the end of the data was read. */
    static final int NO_REPLY = Integer.MIN_VALUE;

    private volatile Phase phase = Phase.BEFORE_DATA;
    private volatile int endReply = NO_REPLY;
    private final long openedNanos = System.nanoTime();

    TrackingTransport(Session session, URLName url, boolean ssl) {
        super(session, url, ssl ? "smtps" : "smtp", ssl);
    }

    Phase phase() {
        return phase;
    }

    /** The reply code to the end of the data ("." or BDAT LAST), or {@link #NO_REPLY}. */
    int endReply() {
        return endReply;
    }

    long openedNanos() {
        return openedNanos;
    }

    @Override
    public synchronized void sendMessage(jakarta.mail.Message message, Address[] addresses) throws MessagingException {
        phase = Phase.BEFORE_DATA;
        endReply = NO_REPLY;
        super.sendMessage(message, addresses);
    }

    @Override
    protected OutputStream data() throws MessagingException {
        OutputStream out = super.data(); // throws unless the reply to DATA was 354
        phase = Phase.DATA_STARTED;
        return out;
    }

    @Override
    protected void finishData() throws IOException, MessagingException {
        phase = Phase.END_SENT;
        super.finishData(); // throws unless the reply to "." was 250
        phase = Phase.ACCEPTED;
    }

    @Override
    protected OutputStream bdat() throws MessagingException {
        OutputStream out = super.bdat();
        phase = Phase.DATA_STARTED;
        return out;
    }

    @Override
    protected void finishBdat() throws IOException, MessagingException {
        phase = Phase.END_SENT;
        super.finishBdat();
        phase = Phase.ACCEPTED;
    }

    @Override
    protected int readServerResponse() throws MessagingException {
        int code = super.readServerResponse(); // a read error throws: endReply stays NO_REPLY
        if (phase == Phase.END_SENT && endReply == NO_REPLY) {
            endReply = code; // -1 is end of stream: no verdict
        }
        return code;
    }
}
