package dev.kiamms.app.service;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real SMTP server on 127.0.0.1 that counts every accepted mail by its {@code X-Kiam-Reqid}
 * header, and now and then answers the end of a mail slowly (the moment where a crash makes a
 * delivery ambiguous). A mail counts as accepted when the server has read all of it and is about
 * to say 250, whether or not the client lives to read the 250.
 */
final class CountingSmtpServer implements AutoCloseable {

    private final ServerSocket server;
    private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "counting-smtp");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** reqid → how many times it was mailed. */
    private final Map<String, AtomicInteger> mailed = new ConcurrentHashMap<>();
    /** reqid → when it was first mailed (System.nanoTime). */
    private final Map<String, Long> firstMailedAt = new ConcurrentHashMap<>();
    private final AtomicInteger slowAnswers = new AtomicInteger();
    private final double slowShare;
    /** While set, every mail is taken in full and its 250 never sent: a send whose end nobody learns. */
    volatile boolean withholdReplies;
    private final Random random;

    /** @param slowShare the share of mails whose 250 comes 0.2–1.5 s late */
    CountingSmtpServer(double slowShare, long seed) throws IOException {
        this.slowShare = slowShare;
        this.random = new Random(seed);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "counting-smtp-accept");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    Map<String, AtomicInteger> mailed() {
        return mailed;
    }

    Long firstMailedAt(String reqid) {
        return firstMailedAt.get(reqid);
    }

    int slowAnswers() {
        return slowAnswers.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                connections.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
             OutputStream out = s.getOutputStream()) {
            say(out, "220 counting-smtp ESMTP");
            String line;
            while ((line = in.readLine()) != null) {
                String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line.toUpperCase();
                switch (verb) {
                    case "EHLO" -> say(out, "250-counting-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8");
                    case "HELO" -> say(out, "250 counting-smtp");
                    case "MAIL", "RCPT", "RSET", "NOOP" -> say(out, "250 ok");
                    case "DATA" -> {
                        say(out, "354 go ahead");
                        String reqid = readMessage(in);
                        if (reqid == null) {
                            return; // the client went away mid-message: nothing was accepted
                        }
                        mailed.computeIfAbsent(reqid, k -> new AtomicInteger()).incrementAndGet();
                        firstMailedAt.putIfAbsent(reqid, System.nanoTime());
                        while (withholdReplies) {
                            Thread.sleep(50);
                        }
                        if (slow()) {
                            slowAnswers.incrementAndGet();
                            Thread.sleep(200 + nextInt(1300));
                        }
                        say(out, "250 queued");
                    }
                    case "QUIT" -> {
                        say(out, "221 bye");
                        return;
                    }
                    default -> say(out, "502 not implemented");
                }
            }
        } catch (IOException e) {
            // the client hung up (or was killed)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(s);
        }
    }

    /** Reads up to the lone dot; returns the reqid header, "" when it has none, null when the data ended early. */
    private static String readMessage(BufferedReader in) throws IOException {
        String reqid = "";
        boolean headers = true;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals(".")) {
                return reqid;
            }
            if (headers && line.isEmpty()) {
                headers = false;
            } else if (headers && line.regionMatches(true, 0, "X-Kiam-Reqid:", 0, 13)) {
                reqid = line.substring(13).strip();
            }
        }
        return null;
    }

    private synchronized boolean slow() {
        return random.nextDouble() < slowShare;
    }

    private synchronized int nextInt(int bound) {
        return random.nextInt(bound);
    }

    private static void say(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
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
        connections.shutdownNow();
    }
}
