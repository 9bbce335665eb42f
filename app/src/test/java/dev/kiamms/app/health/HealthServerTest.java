package dev.kiamms.app.health;

import dev.kiamms.mail.delivery.Attempt;
import dev.kiamms.metrics.HandlerCounts;
import dev.kiamms.metrics.StatsSnapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The endpoint over real HTTP, with a fake appliance behind it. */
class HealthServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A HealthSource whose answers the test sets. */
    static final class FakeSource implements HealthSource {
        volatile boolean connected = true;
        volatile List<String> subscriptions = List.of("kiam.console.action.iplocation", "kiam.console.audit.> (stream KIAM_EVENTS)");
        volatile Map<String, HandlerCounts> handlers = Map.of();
        volatile Map<String, Map<Attempt.Outcome, Long>> mail = Map.of();
        volatile int restarts;
        volatile long deadLetters;
        volatile List<String> problems = List.of();
        volatile RuntimeException failure;
        final Set<String> threads = ConcurrentHashMap.newKeySet();

        @Override
        public boolean brokerConnected() {
            threads.add(Thread.currentThread().getName());
            if (failure != null) {
                throw failure;
            }
            return connected;
        }

        @Override
        public List<String> subscriptions() {
            return subscriptions;
        }

        @Override
        public StatsSnapshot stats() {
            return new StatsSnapshot(Instant.EPOCH, handlers, Map.of(), mail);
        }

        @Override
        public int brokerRestarts() {
            return restarts;
        }

        @Override
        public long deadLetters() {
            return deadLetters;
        }

        @Override
        public List<String> problems() {
            return problems;
        }
    }

    private final FakeSource source = new FakeSource();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private HealthServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    private HealthServer start() throws IOException {
        server = HealthServer.start(0, source);
        return server;
    }

    private HttpResponse<String> request(String method, String path) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return request("GET", path);
    }

    @Test
    void listensOnLoopbackOnly() throws Exception {
        start();
        assertEquals("127.0.0.1", server.address().getAddress().getHostAddress());
        assertTrue(server.address().getAddress().isLoopbackAddress());
        assertTrue(server.port() > 0);
        assertEquals("127.0.0.1:" + server.port(), server.hostAndPort());
    }

    @Test
    void healthyIs200WithTheDetails() throws Exception {
        start();
        source.restarts = 1;
        source.deadLetters = 2;
        HttpResponse<String> r = get("/healthz");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        JsonNode body = JSON.readTree(r.body());
        assertEquals("ok", body.get("status").asText());
        assertFalse(body.has("problems"));
        assertTrue(body.get("brokerConnected").asBoolean());
        assertEquals(1, body.get("brokerRestarts").asInt());
        assertEquals(2, body.get("deadLetters").asLong());
        assertEquals(2, body.get("subscriptions").size());
        assertEquals("kiam.console.action.iplocation", body.get("subscriptions").get(0).asText());
    }

    @Test
    void unhealthyIs503WithTheReasons() throws Exception {
        start();
        source.connected = false;
        HttpResponse<String> r = get("/healthz");
        assertEquals(503, r.statusCode());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("unhealthy", body.get("status").asText());
        assertEquals(List.of("not connected to the broker"), List.of(JSON.treeToValue(body.get("problems"), String[].class)));

        source.connected = true;
        source.subscriptions = List.of();
        source.problems = List.of("stopping");
        body = JSON.readTree(get("/healthz").body());
        assertEquals(List.of("no subscriptions: kiam-ms answers nothing", "stopping"),
                List.of(JSON.treeToValue(body.get("problems"), String[].class)));

        source.subscriptions = List.of("kiam.console.action.iplocation");
        source.problems = List.of();
        assertEquals(200, get("/healthz").statusCode(), "healthy again");
    }

    @Test
    void aFailingSourceIsUnhealthyNotAHang() throws Exception {
        start();
        source.failure = new IllegalStateException("boom");
        HttpResponse<String> h = get("/healthz");
        assertEquals(503, h.statusCode());
        assertTrue(h.body().contains("boom"), h.body());
        assertEquals(500, get("/metrics").statusCode());
        source.failure = null;
        assertEquals(200, get("/healthz").statusCode(), "the server still answers");
    }

    @Test
    void metricsAreTheSourcesNumbersInTheExpositionFormat() throws Exception {
        start();
        Map<String, HandlerCounts> handlers = new TreeMap<>();
        handlers.put("iplocation", new HandlerCounts(10, 1, 2, 0, 12_345_678L, PrometheusTextTest.buckets(4, 3, 2, 0, 1)));
        handlers.put("sendverifyemail", new HandlerCounts(3, 0, 0, 1, 3_000_000_000L, PrometheusTextTest.buckets(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3)));
        handlers.put("kiam.console.notice.\"odd\"", new HandlerCounts(1, 0, 0, 0, 1, PrometheusTextTest.buckets(1)));
        source.handlers = handlers;
        source.mail = Map.of("primary", PrometheusTextTest.attempts(3, 1, 0), "backup", PrometheusTextTest.attempts(1, 0, 0));
        source.restarts = 4;
        source.deadLetters = 5;

        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        Exposition e = Exposition.parse(r.body());
        for (Exposition.Sample s : e.samples) {
            assertTrue(s.name().startsWith("kiamms_"), s.name());
        }
        assertEquals(1, e.value("kiamms_broker_connected", Map.of()));
        assertEquals(2, e.value("kiamms_subscriptions", Map.of()));
        assertEquals(4, e.value("kiamms_broker_restarts_total", Map.of()));
        assertEquals(5, e.value("kiamms_dead_letters_total", Map.of()));
        for (Map.Entry<String, HandlerCounts> h : handlers.entrySet()) {
            HandlerCounts c = h.getValue();
            String subject = h.getKey();
            assertEquals(c.handled(), e.value("kiamms_messages_total", Map.of("subject", subject, "outcome", "handled")), subject);
            assertEquals(c.failed(), e.value("kiamms_messages_total", Map.of("subject", subject, "outcome", "failed")), subject);
            assertEquals(c.refused(), e.value("kiamms_messages_total", Map.of("subject", subject, "outcome", "refused")), subject);
            assertEquals(c.duplicates(), e.value("kiamms_messages_total", Map.of("subject", subject, "outcome", "duplicate")), subject);
            assertEquals(c.handled(), e.value("kiamms_message_duration_seconds_count", Map.of("subject", subject)), subject);
            assertEquals(c.totalNanos() / 1e9, e.value("kiamms_message_duration_seconds_sum", Map.of("subject", subject)), 1e-12, subject);
        }
        assertEquals(3, e.checkHistogram("kiamms_message_duration_seconds").size());
        assertEquals(0, e.value("kiamms_message_duration_seconds_bucket", Map.of("subject", "sendverifyemail", "le", "0.5")));
        assertEquals(3, e.value("kiamms_message_duration_seconds_bucket", Map.of("subject", "sendverifyemail", "le", "1")));
        assertEquals(3, e.value("kiamms_mail_attempts_total", Map.of("mta", "primary", "outcome", "delivered")));
        assertEquals(1, e.value("kiamms_mail_attempts_total", Map.of("mta", "primary", "outcome", "not_delivered")));
        assertEquals(1, e.value("kiamms_mail_attempts_total", Map.of("mta", "backup", "outcome", "delivered")));

        source.connected = false;
        assertEquals(0, Exposition.parse(get("/metrics").body()).value("kiamms_broker_connected", Map.of()),
                "metrics answer 200 also when unhealthy");
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        start();
        for (String path : List.of("/", "/health", "/healthz/x", "/healthzz", "/metrics/", "/metricsx", "/favicon.ico")) {
            assertEquals(404, get(path).statusCode(), path);
        }
        assertEquals(200, get("/healthz?verbose=1").statusCode(), "a query string is ignored");
        HttpResponse<String> post = request("POST", "/metrics");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void headAnswersWithoutABody() throws Exception {
        start();
        HttpResponse<String> r = request("HEAD", "/healthz");
        assertEquals(200, r.statusCode());
        assertEquals("", r.body());
        source.connected = false;
        assertEquals(503, request("HEAD", "/healthz").statusCode());
    }

    @Test
    void requestsAreAnsweredOnTheHealthThreadOnly() throws Exception {
        start();
        for (int i = 0; i < 5; i++) {
            get("/healthz");
            get("/metrics");
        }
        assertEquals(Set.of("kiam-ms-health"), source.threads);
    }

    @Test
    void itsThreadsNeverKeepTheJvmAlive() throws Exception {
        start();
        get("/healthz");
        List<Thread> ours = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("HTTP-Dispatcher") || t.getName().startsWith("kiam-ms-health")).toList();
        assertFalse(ours.isEmpty());
        for (Thread t : ours) {
            assertTrue(t.isDaemon(), t.getName() + " is a daemon thread");
        }
    }

    @Test
    void portZeroInTheConfigurationSwitchesItOff() throws Exception {
        assertEquals(Optional.empty(), HealthServer.startIfEnabled(0, source));
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        server = HealthServer.startIfEnabled(port, source).orElseThrow();
        assertEquals(port, server.port());
        assertEquals(200, get("/healthz").statusCode());
    }

    @Test
    void aBusyPortIsOneClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            IOException e = assertThrows(IOException.class, () -> HealthServer.start(taken.getLocalPort(), source));
            assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + " for the health endpoint (health.port): "), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> HealthServer.start(-1, source));
        assertThrows(IllegalArgumentException.class, () -> HealthServer.start(65536, source));
    }

    @Test
    void afterCloseNothingListens() throws Exception {
        start();
        assertEquals(200, get("/healthz").statusCode());
        server.close();
        server.close(); // twice is fine
        Exception e = assertThrows(IOException.class, () -> get("/healthz"));
        assertTrue(e instanceof ConnectException || e.getCause() instanceof ConnectException, e.toString());
        server = null;
    }
}
