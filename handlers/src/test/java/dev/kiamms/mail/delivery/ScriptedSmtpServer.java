package dev.kiamms.mail.delivery;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A small SMTP server on 127.0.0.1 whose replies a test scripts: one thread per connection, and
 * per command either a reply line, {@link #STALL} (never answer) or {@link #CLOSE} (drop the
 * connection). Counts sessions and keeps the data of every accepted message. Public for the
 * tests of other packages that need a real MTA misbehaving (the duplicate window's test).
 */
public final class ScriptedSmtpServer implements AutoCloseable {

    /** As a reply: say nothing and keep the connection open. */
    public static final String STALL = "<stall>";
    /** As a reply: close the connection without a word. */
    public static final String CLOSE = "<close>";

    private final ServerSocket server;
    private final SSLContext implicitTls;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sessions = new AtomicInteger();
    private final AtomicInteger tlsSessions = new AtomicInteger();
    private final List<String> accepted = new CopyOnWriteArrayList<>();
    private final List<String> commands = new CopyOnWriteArrayList<>();

    /** The greeting; {@link #STALL}, {@link #CLOSE} or a refusal such as 421 make the session end there. */
    public volatile String greeting = "220 scripted ESMTP";
    volatile SSLContext startTls;
    volatile String mailReply = "250 2.1.0 Ok";
    /** When set, the reply to MAIL by session number (1 = the first connection), instead of {@link #mailReply}. */
    volatile java.util.function.IntFunction<String> mailReplyBySession;
    volatile Function<String, String> rcptReply = addr -> "250 2.1.5 Ok";
    volatile String dataReply = "354 End data with <CR><LF>.<CR><LF>";
    /** The reply to the end of the data ("."). */
    public volatile String endReply = "250 2.0.0 Ok: queued";
    /** Drop the connection (reset) after the 354 reply to DATA and 100 lines of data, while the client writes. */
    public volatile boolean dropAfter354;
    /** After this many messages accepted on one connection the server drops it silently (0: never). */
    volatile int closeAfterMessages;

    /** Plain SMTP. */
    public ScriptedSmtpServer() throws IOException {
        this(null);
    }

    /** With {@code implicitTls}: SMTPS, TLS from the first byte. */
    public ScriptedSmtpServer(SSLContext implicitTls) throws IOException {
        this.implicitTls = implicitTls;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "scripted-smtp-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public int sessions() {
        return sessions.get();
    }

    public int tlsSessions() {
        return tlsSessions.get();
    }

    /** The data of every message answered 250 to its end, in order. */
    public List<String> accepted() {
        return List.copyOf(accepted);
    }

    /** Every command line received, all connections. */
    public List<String> commands() {
        return List.copyOf(commands);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                int n = sessions.incrementAndGet();
                Thread t = new Thread(() -> session(s, n), "scripted-smtp-" + port() + "-" + n);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void session(Socket raw, int number) {
        Socket s = raw;
        try {
            if (implicitTls != null) {
                s = tls(raw, implicitTls);
            }
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            String hello = greeting;
            if (!hello.startsWith("220")) {
                if (!act(s, out, hello) && !hello.equals(STALL)) {
                    s.close(); // as a server that refuses the session: say why and hang up
                    return;
                }
                while (!s.isClosed() && s.getInputStream().read() >= 0) {
                    // stalled: read and answer nothing until the client gives up
                }
                return;
            }
            reply(out, hello);
            int messages = 0;
            while (true) {
                String line = readLine(in);
                if (line == null) {
                    return;
                }
                commands.add(line);
                String verb = (line.length() >= 4 ? line.substring(0, 4) : line).toUpperCase(Locale.ROOT);
                String r;
                switch (verb) {
                    case "EHLO" -> {
                        StringBuilder b = new StringBuilder("250-scripted\r\n250-8BITMIME\r\n");
                        if (startTls != null && !(s instanceof SSLSocket)) {
                            b.append("250-STARTTLS\r\n");
                        }
                        b.append("250 SMTPUTF8");
                        r = b.toString();
                    }
                    case "HELO", "RSET", "NOOP" -> r = "250 Ok";
                    case "MAIL" -> {
                        java.util.function.IntFunction<String> f = mailReplyBySession;
                        r = f != null ? f.apply(number) : mailReply;
                    }
                    case "RCPT" -> r = rcptReply.apply(line);
                    case "QUIT" -> {
                        reply(out, "221 Bye");
                        return;
                    }
                    case "STAR" -> {
                        if (startTls == null) {
                            r = "502 5.5.1 not here";
                            break;
                        }
                        reply(out, "220 2.0.0 Ready to start TLS");
                        s = tls(s, startTls); // the client waits for 220 first: nothing is left buffered
                        in = new BufferedInputStream(s.getInputStream());
                        out = s.getOutputStream();
                        continue;
                    }
                    case "DATA" -> {
                        String d = dataReply;
                        if (!d.startsWith("354")) {
                            r = d;
                            break;
                        }
                        reply(out, d);
                        if (dropAfter354) {
                            for (int i = 0; i < 100 && readLine(in) != null; i++) {
                                // the client has read the 354 and is sending: now hang up on it
                            }
                            s.setSoLinger(true, 0); // reset: the client's next writes fail
                            s.close();
                            return;
                        }
                        String data = readData(in);
                        if (data == null) {
                            return;
                        }
                        r = endReply;
                        if (r.startsWith("2")) {
                            accepted.add(data);
                            messages++;
                        }
                        if (act(s, out, r)) {
                            return;
                        }
                        if (r.startsWith("2") && closeAfterMessages > 0 && messages >= closeAfterMessages) {
                            s.close();
                            return;
                        }
                        continue;
                    }
                    default -> r = "502 5.5.2 unknown command";
                }
                if (act(s, out, r)) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            try {
                s.close();
                raw.close();
            } catch (IOException ignored) {
                // done
            }
            open.remove(raw);
        }
    }

    /** Sends {@code r}, or stalls, or closes; true when the session is over. */
    private static boolean act(Socket s, OutputStream out, String r) throws IOException {
        if (r.equals(CLOSE)) {
            s.close();
            return true;
        }
        if (!r.equals(STALL)) {
            reply(out, r);
        }
        return false;
    }

    private Socket tls(Socket s, SSLContext ctx) throws IOException {
        SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(s, s.getInetAddress().getHostAddress(),
                s.getPort(), true);
        ssl.setUseClientMode(false);
        ssl.startHandshake();
        tlsSessions.incrementAndGet();
        return ssl;
    }

    private static void reply(OutputStream out, String r) throws IOException {
        out.write((r + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** The data up to the line ".", dot-unstuffed; null when the connection ended first. */
    private static String readData(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (true) {
            String line = readLine(in);
            if (line == null) {
                return null;
            }
            if (line.equals(".")) {
                return b.toString();
            }
            b.append(line.startsWith("..") ? line.substring(1) : line).append("\r\n");
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            b.write(c);
        }
        return null;
    }
}
