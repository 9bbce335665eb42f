package dev.kiamms.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An SMTP server on loopback that accepts every mail and counts mails and sessions. */
interface SmtpSink extends AutoCloseable {

    int port();

    /** Mails accepted so far (final "." answered 250). */
    long messages() throws IOException;

    /** SMTP sessions that have ended so far. */
    long sessions() throws IOException;

    /** What it is, for the report. */
    String kind();

    /** Established TCP connections to the sink right now (from /proc/net/tcp): kiam-ms' open SMTP sessions. */
    default int openConnections() {
        String port = String.format(":%04X", port());
        int n = 0;
        for (String table : new String[]{"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 3 && f[1].endsWith(port) && f[3].equals("01")) {
                        n++;
                    }
                }
            } catch (IOException e) {
                // no IPv6
            }
        }
        return n;
    }

    /** Its process, when it runs in one of its own (for CPU accounting). */
    default java.util.OptionalLong pid() {
        return java.util.OptionalLong.empty();
    }

    @Override
    void close();

    /**
     * Postfix's smtp-sink, unpacked from Debian's package; {@code -c} writes running counters
     * ("sess=N quit=N mesg=N", one per CR) to its standard output, which goes to a file here.
     */
    final class Postfix implements SmtpSink {
        private static final Pattern COUNTERS = Pattern.compile("sess=(\\d+) quit=(\\d+) mesg=(\\d+)");

        private final Process process;
        private final Path counters;
        private final int port;
        private final String version;

        private Postfix(Process process, Path counters, int port, String version) {
            this.process = process;
            this.counters = counters;
            this.port = port;
            this.version = version;
        }

        static Postfix start(Path binary, Path libDir, Path workDir, int port) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of(binary.toString()));
            if ("root".equals(System.getProperty("user.name"))) {
                cmd.addAll(List.of("-u", "nobody"));
            }
            cmd.addAll(List.of("-c", "127.0.0.1:" + port, "1024"));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            Map<String, String> env = pb.environment();
            env.put("LD_LIBRARY_PATH", libDir.toString());
            Path out = workDir.resolve("smtp-sink.counters");
            Path err = workDir.resolve("smtp-sink.err");
            pb.redirectOutput(out.toFile());
            pb.redirectError(err.toFile());
            Process p = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline) {
                if (!p.isAlive()) {
                    throw new IOException("smtp-sink exited with " + p.exitValue() + ": " + Files.readString(err).strip());
                }
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.setSoTimeout(2000);
                    byte[] greeting = new byte[64];
                    int n = s.getInputStream().read(greeting);
                    if (n > 0 && new String(greeting, 0, n, StandardCharsets.US_ASCII).startsWith("220")) {
                        s.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                        String pkg = Files.isRegularFile(binary.getParent().resolve("../../POSTFIX-DEB.txt"))
                                ? Files.readString(binary.getParent().resolve("../../POSTFIX-DEB.txt")).strip() : "postfix";
                        return new Postfix(p, out, port, pkg);
                    }
                } catch (IOException notYet) {
                    Thread.sleep(50);
                }
            }
            p.destroyForcibly();
            throw new IOException("smtp-sink did not answer on port " + port + " within 5 s: " + Files.readString(err).strip());
        }

        @Override
        public int port() {
            return port;
        }

        private long[] read() throws IOException {
            try (RandomAccessFile f = new RandomAccessFile(counters.toFile(), "r")) {
                long len = f.length();
                int n = (int) Math.min(len, 256);
                byte[] tail = new byte[n];
                f.seek(len - n);
                f.readFully(tail);
                String[] parts = new String(tail, StandardCharsets.US_ASCII).split("\r");
                // The last part may be cut off by a write in progress: take the last complete one.
                for (int i = parts.length - 1; i >= 0; i--) {
                    Matcher m = COUNTERS.matcher(parts[i]);
                    if (m.matches() && (i < parts.length - 1 || new String(tail, StandardCharsets.US_ASCII).endsWith("\r"))) {
                        return new long[]{Long.parseLong(m.group(1)), Long.parseLong(m.group(3))};
                    }
                }
                return new long[]{0, 0};
            }
        }

        @Override
        public long messages() throws IOException {
            return read()[1];
        }

        @Override
        public long sessions() throws IOException {
            return read()[0];
        }

        @Override
        public String kind() {
            return "postfix smtp-sink (" + version + ")";
        }

        @Override
        public java.util.OptionalLong pid() {
            return java.util.OptionalLong.of(process.pid());
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The fallback: enough SMTP for angus-mail (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), in the harness. */
    final class InProcess implements SmtpSink {
        private final ServerSocket server;
        private final AtomicLong messages = new AtomicLong();
        private final AtomicLong sessions = new AtomicLong();
        private final Thread acceptor;

        InProcess() throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
            acceptor = new Thread(this::accept, "bench-smtp-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> session(s), "bench-smtp-session");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void session(Socket s) {
            try (s) {
                s.setTcpNoDelay(true);
                InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
                OutputStream out = s.getOutputStream();
                send(out, "220 bench-sink ESMTP\r\n");
                byte[] line = new byte[1024];
                while (true) {
                    int n = readLine(in, line);
                    if (n < 0) {
                        return;
                    }
                    String cmd = new String(line, 0, Math.min(n, 4), StandardCharsets.US_ASCII).toUpperCase();
                    switch (cmd) {
                        case "EHLO" -> send(out, "250-bench-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
                        case "HELO", "MAIL", "RCPT", "RSET", "NOOP" -> send(out, "250 Ok\r\n");
                        case "DATA" -> {
                            send(out, "354 End data with <CR><LF>.<CR><LF>\r\n");
                            while (true) {
                                int m = readLine(in, line);
                                if (m < 0) {
                                    return;
                                }
                                if (m == 1 && line[0] == '.') {
                                    break;
                                }
                            }
                            messages.incrementAndGet();
                            send(out, "250 Ok: queued\r\n");
                        }
                        case "QUIT" -> {
                            send(out, "221 Bye\r\n");
                            return;
                        }
                        default -> send(out, "502 Command not implemented\r\n");
                    }
                }
            } catch (IOException e) {
                // the client went away
            } finally {
                sessions.incrementAndGet();
            }
        }

        /** Reads one line without its CRLF into buf (longer lines are cut, which is fine for counting). */
        private static int readLine(InputStream in, byte[] buf) throws IOException {
            int n = 0;
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    return n > 0 && n <= buf.length && buf[n - 1] == '\r' ? n - 1 : n;
                }
                if (n < buf.length) {
                    buf[n] = (byte) c;
                }
                n++;
            }
            return -1;
        }

        private static void send(OutputStream out, String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        @Override
        public int port() {
            return server.getLocalPort();
        }

        @Override
        public long messages() {
            return messages.get();
        }

        @Override
        public long sessions() {
            return sessions.get();
        }

        @Override
        public String kind() {
            return "in-harness Java SMTP sink";
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
