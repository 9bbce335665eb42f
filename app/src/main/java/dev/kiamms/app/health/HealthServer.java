package dev.kiamms.app.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The health and metrics endpoint, on 127.0.0.1 only (JDK's built-in HTTP server):
 * <ul>
 *   <li>{@code GET /healthz}: 200 when the subscribers are connected to the broker and subscribed,
 *       else 503; the body is JSON either way: {@code status} ({@code ok}, {@code degraded} when it
 *       answers but audits are not being taken, or {@code unhealthy}), {@code problems} (one line
 *       each, only when not ok), and the details.</li>
 *   <li>{@code GET /metrics}: the counters in Prometheus' text format, see {@link PrometheusText}.</li>
 * </ul>
 * Anything else is 404 (405 for another method than GET or HEAD). Requests are answered one at a
 * time on one daemon thread of its own, reading only counters, so a scrape never takes a thread
 * or a lock from message handling.
 */
public final class HealthServer implements AutoCloseable {

    /** The default of {@code health.port}. */
    public static final int DEFAULT_PORT = 8223;
    /** The paths answered. */
    public static final String HEALTHZ = "/healthz";
    public static final String METRICS = "/metrics";

    private static final Logger LOG = Logger.getLogger("kiamms.health");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final HealthSource source;

    private HealthServer(HttpServer server, ExecutorService executor, HealthSource source) {
        this.server = server;
        this.executor = executor;
        this.source = source;
    }

    /**
     * Starts the endpoint as {@code health.port} says.
     *
     * @param configuredPort {@code health.port}: 0 switches the endpoint off
     * @return empty when switched off
     * @throws IllegalArgumentException when the port is not between 0 and 65535
     * @throws IOException              with one line naming the address, when it cannot listen there
     */
    public static Optional<HealthServer> startIfEnabled(int configuredPort, HealthSource source) throws IOException {
        if (configuredPort == 0) {
            return Optional.empty();
        }
        return Optional.of(start(configuredPort, source));
    }

    /**
     * Listens on 127.0.0.1:{@code port} and answers from now on.
     *
     * @param port 0 for any free port (see {@link #port()}); this is not "off", see {@link #startIfEnabled}
     * @throws IllegalArgumentException when the port is not between 0 and 65535
     * @throws IOException              with one line naming the address, when it cannot listen there
     */
    public static HealthServer start(int port, HealthSource source) throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("health.port " + port + " is not between 0 (off) and 65535");
        }
        Objects.requireNonNull(source, "source");
        // Literally 127.0.0.1, even where the JVM prefers IPv6 and the loopback address would be ::1.
        InetAddress loopback = InetAddress.getByAddress("localhost", new byte[]{127, 0, 0, 1});
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(loopback, port), 16);
        } catch (BindException e) {
            throw new IOException("cannot listen on 127.0.0.1:" + port + " for the health endpoint (health.port): "
                    + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kiam-ms-health");
            t.setDaemon(true);
            return t;
        });
        HealthServer health = new HealthServer(server, executor, source);
        server.createContext("/", health::handle);
        server.setExecutor(executor);
        // The server's dispatcher thread inherits daemon status from the thread that starts it:
        // started from a daemon thread, a health server never keeps the JVM alive.
        Thread starter = new Thread(server::start, "kiam-ms-health-start");
        starter.setDaemon(true);
        starter.start();
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            health.close();
            throw new IOException("interrupted while starting the health endpoint");
        }
        LOG.info(() -> "health endpoint on http://" + health.hostAndPort() + HEALTHZ + " and " + METRICS);
        return health;
    }

    /** The address listened on: always 127.0.0.1. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code 127.0.0.1:8223}, for messages. */
    public String hostAndPort() {
        return address().getAddress().getHostAddress() + ":" + port();
    }

    /** Stops listening at once; a request being answered is cut off. Safe to call more than once. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            boolean known = HEALTHZ.equals(path) || METRICS.equals(path);
            if (!known) {
                respond(exchange, 404, "text/plain; charset=utf-8", "not found; the paths are " + HEALTHZ + " and " + METRICS + "\n");
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                respond(exchange, 405, "text/plain; charset=utf-8", "method " + method + " not allowed; use GET\n");
                return;
            }
            HealthSnapshot snapshot;
            try {
                snapshot = HealthSnapshot.of(source);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "health: cannot read the appliance's state", e);
                if (HEALTHZ.equals(path)) {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("status", "unhealthy");
                    body.put("problems", List.of("cannot read the appliance's state: " + e));
                    respond(exchange, 503, "application/json", JSON.writeValueAsString(body) + "\n");
                } else {
                    respond(exchange, 500, "text/plain; charset=utf-8", "cannot read the appliance's state: " + e + "\n");
                }
                return;
            }
            if (HEALTHZ.equals(path)) {
                List<String> problems = snapshot.problems();
                respond(exchange, problems.isEmpty() ? 200 : 503, "application/json",
                        JSON.writeValueAsString(healthBody(snapshot, problems)) + "\n");
            } else {
                respond(exchange, 200, PrometheusText.CONTENT_TYPE, PrometheusText.write(snapshot));
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "health: client went away", e);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "health: request failed", e);
        }
    }

    private static Map<String, Object> healthBody(HealthSnapshot s, List<String> problems) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", s.status());
        if (!problems.isEmpty()) {
            body.put("problems", problems);
        }
        body.put("brokerConnected", s.brokerConnected());
        body.put("brokerRestarts", s.brokerRestarts());
        body.put("subscriptions", s.subscriptions());
        body.put("deadLetters", s.deadLetters());
        body.put("possiblyDelivered", s.possiblyDelivered());
        if (!s.consumers().isEmpty()) {
            body.put("consumers", s.consumers());
        }
        return body;
    }

    private static void respond(HttpExchange exchange, int code, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(code, -1);
            return;
        }
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
