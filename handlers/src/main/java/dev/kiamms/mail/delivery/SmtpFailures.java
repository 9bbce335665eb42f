package dev.kiamms.mail.delivery;

import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;

import javax.net.ssl.SSLException;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/** Turns angus-mail's exceptions into one-line descriptions and failure classes. */
final class SmtpFailures {

    private static final int MAX_LINE = 300;

    private SmtpFailures() {
    }

    /** Why opening the SMTP session (TCP, TLS, greeting, EHLO, STARTTLS, AUTH) failed. */
    static String connectFailure(Exception e) {
        if (e instanceof AuthenticationFailedException) {
            String reply = oneLine(e.getMessage());
            return reply.isEmpty() || reply.equalsIgnoreCase("failed to connect")
                    ? "authentication failed" : "authentication failed: " + reply;
        }
        Throwable tls = find(e, SSLException.class);
        if (tls == null) {
            tls = find(e, GeneralSecurityException.class);
        }
        if (tls != null) {
            return "TLS failure: " + oneLine(rootMessage(tls));
        }
        for (Throwable t : chain(e)) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            if (m.startsWith("Can't verify identity of server") || m.startsWith("Server is not trusted")) {
                return "TLS failure: " + oneLine(m);
            }
        }
        if (find(e, ConnectException.class) != null) {
            Throwable c = find(e, ConnectException.class);
            String m = c.getMessage() == null ? "" : c.getMessage();
            return m.toLowerCase(java.util.Locale.ROOT).contains("refused") ? "connection refused"
                    : "cannot connect: " + oneLine(m);
        }
        if (find(e, NoRouteToHostException.class) != null) {
            return "no route to host";
        }
        if (find(e, UnknownHostException.class) != null) {
            return "unknown host";
        }
        Throwable timeout = find(e, SocketTimeoutException.class);
        if (timeout != null) {
            String m = timeout.getMessage() == null ? "" : timeout.getMessage();
            return m.toLowerCase(java.util.Locale.ROOT).contains("connect") ? "connect timed out"
                    : "timed out waiting for the server";
        }
        return "cannot open the SMTP session: " + describeGeneric(e);
    }

    /** Why a send failed before or during the data; see {@link #noVerdict} for the ambiguous case. */
    static String sendFailure(MessagingException e) {
        SMTPSenderFailedException sender = find(e, SMTPSenderFailedException.class);
        if (sender != null) {
            return "MAIL FROM rejected: " + oneLine(sender.getMessage());
        }
        List<String> rcpts = rejectedRecipients(e);
        if (!rcpts.isEmpty()) {
            return "RCPT TO rejected: " + String.join("; ", rcpts);
        }
        SMTPSendFailedException sf = find(e, SMTPSendFailedException.class);
        if (sf != null) {
            String cmd = sf.getCommand() == null ? "" : sf.getCommand();
            String reply = sf.getReturnCode() < 0 ? "connection closed by the server" : oneLine(sf.getMessage());
            if (cmd.equals(".") || cmd.startsWith("BDAT")) {
                return "message data rejected: " + reply;
            }
            if (cmd.equals("DATA")) {
                return "DATA rejected: " + reply;
            }
            if (cmd.startsWith("MAIL FROM")) {
                return "MAIL FROM failed: " + reply;
            }
            if (cmd.startsWith("RCPT TO")) {
                return "RCPT TO failed: " + reply;
            }
            return (cmd.isEmpty() ? "" : firstWord(cmd) + " failed: ") + reply;
        }
        if (e instanceof SendFailedException && !hasIOException(e)) {
            return oneLine(e.getMessage()); // e.g. "No recipient addresses"
        }
        return ioFailure(e);
    }

    /** The connection failed after the data went out and before the server's final reply. */
    static String noVerdict(MessagingException e, int endReply) {
        if (endReply == -1) {
            return "the server closed the connection without a final reply to the message data";
        }
        return "no final reply to the message data: " + ioFailure(e);
    }

    /** Which recipients were refused in a partial delivery, for the report. */
    static String partialDetail(MessagingException e) {
        List<String> rejected = rejectedRecipients(e);
        SendFailedException sfe = find(e, SendFailedException.class);
        if (rejected.isEmpty() && sfe != null) {
            Address[] invalid = sfe.getInvalidAddresses();
            Address[] unsent = sfe.getValidUnsentAddresses();
            StringJoiner j = new StringJoiner(", ");
            if (invalid != null) {
                for (Address a : invalid) {
                    j.add(a.toString());
                }
            }
            if (unsent != null) {
                for (Address a : unsent) {
                    j.add(a.toString());
                }
            }
            if (j.length() > 0) {
                rejected = List.of(j.toString());
            }
        }
        return rejected.isEmpty() ? "some recipients were refused" : "refused: " + String.join("; ", rejected);
    }

    /** The server answered with a rejection (4xx/5xx other than 421 "closing"), as opposed to a broken connection. */
    static boolean explicitRejection(MessagingException e) {
        for (Throwable t : chain(e)) {
            int code = t instanceof SMTPSendFailedException s ? s.getReturnCode()
                    : t instanceof SMTPAddressFailedException a ? a.getReturnCode()
                    : t instanceof SMTPSenderFailedException f ? f.getReturnCode() : 0;
            if (code >= 400 && code <= 599 && code != 421) {
                return true;
            }
        }
        return false;
    }

    static boolean hasIOException(Throwable e) {
        return find(e, IOException.class) != null;
    }

    static String ioFailure(Throwable e) {
        if (find(e, SocketTimeoutException.class) != null) {
            return "timed out waiting for the server";
        }
        if (find(e, EOFException.class) != null) {
            return "connection closed by the server";
        }
        SocketException se = find(e, SocketException.class);
        if (se != null) {
            return "connection lost: " + oneLine(se.getMessage());
        }
        IOException io = find(e, IOException.class);
        if (io != null) {
            return "I/O error: " + oneLine(io.getMessage());
        }
        return describeGeneric(e);
    }

    /** Whether the server refused recipients (RCPT TO): a fault of the addresses, not of the server. */
    static boolean recipientsRefused(Throwable e) {
        return !rejectedRecipients(e).isEmpty();
    }

    private static List<String> rejectedRecipients(Throwable e) {
        List<String> out = new ArrayList<>();
        for (Throwable t : chain(e)) {
            if (t instanceof SMTPAddressFailedException a) {
                out.add(a.getAddress() + " " + oneLine(a.getMessage()));
            }
        }
        return out;
    }

    private static String describeGeneric(Throwable e) {
        String top = oneLine(e.getMessage());
        String root = oneLine(rootMessage(e));
        if (top.isEmpty()) {
            return root.isEmpty() ? e.getClass().getSimpleName() : root;
        }
        return root.isEmpty() || root.equals(top) ? top : top + ": " + root;
    }

    private static String rootMessage(Throwable e) {
        List<Throwable> c = chain(e);
        for (int i = c.size() - 1; i >= 0; i--) {
            String m = c.get(i).getMessage();
            if (m != null && !m.isBlank()) {
                return m;
            }
        }
        return "";
    }

    private static String firstWord(String s) {
        int sp = s.indexOf(' ');
        String w = sp < 0 ? s : s.substring(0, sp);
        return w.length() > 20 ? w.substring(0, 20) : w;
    }

    /** The exception and its causes / next exceptions, each once. */
    static List<Throwable> chain(Throwable e) {
        List<Throwable> out = new ArrayList<>();
        Set<Throwable> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> todo = new ArrayList<>();
        todo.add(e);
        while (!todo.isEmpty() && out.size() < 50) {
            Throwable t = todo.remove(0);
            if (t == null || !seen.add(t)) {
                continue;
            }
            out.add(t);
            if (t instanceof MessagingException m && m.getNextException() != null) {
                todo.add(m.getNextException());
            }
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
        }
        return out;
    }

    static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t : chain(e)) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** Line breaks folded, trimmed, at most 300 characters. */
    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String one = s.replaceAll("[\\r\\n\\t]+", " ").replaceAll(" {2,}", " ").strip();
        return one.length() > MAX_LINE ? one.substring(0, MAX_LINE) + "..." : one;
    }

    /** {@code text} with every occurrence of the password replaced (passwords shorter than 4 characters are left alone). */
    static String scrub(String text, String password) {
        if (text == null || password == null || password.length() < 4) {
            return text;
        }
        return text.replace(password, "********");
    }
}
