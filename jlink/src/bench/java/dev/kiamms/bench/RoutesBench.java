package dev.kiamms.bench;

import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.ProtocolVersion;
import dev.kiamms.protocol.Subjects;

import com.sun.net.httpserver.HttpServer;

import io.nats.client.Connection;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import static dev.kiamms.bench.Report.MISS;
import static dev.kiamms.bench.Report.PASS;
import static dev.kiamms.bench.Report.f0;
import static dev.kiamms.bench.Report.f1;
import static dev.kiamms.bench.Report.f2;

/**
 * The "routes" phase: N audits on a route to the webhook channel and N on a route to the SMS
 * channel, each channel's far end a loopback JDK HTTP server answering 200, and how many routed
 * events per second reach it. (The email channel is the audits phase: accountaddemail is a route.)
 */
final class RoutesBench implements AutoCloseable {

    static final String WEBHOOK_ROUTE = "benchwebhook";
    static final String SMS_ROUTE = "benchsms";

    private final int n;
    private final Sink webhook;
    private final Sink gateway;

    /** A loopback HTTP server that answers 200 and counts what it took. */
    private static final class Sink implements AutoCloseable {
        final HttpServer server;
        final ExecutorService threads = Executors.newFixedThreadPool(4);
        final AtomicLong taken = new AtomicLong();

        Sink() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                taken.incrementAndGet();
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.setExecutor(threads);
            server.start();
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        @Override
        public void close() {
            server.stop(0);
            threads.shutdownNow();
        }
    }

    RoutesBench(int n) throws IOException {
        this.n = n;
        this.webhook = new Sink();
        this.gateway = new Sink();
    }

    /** The channels and routes, added to the phase's configuration. */
    String yaml() {
        return "channels:\n"
                + "  webhook:\n    url: " + webhook.url("/hook") + "\n    secret: bench-webhook-secret-0123456789abcdef\n"
                + "  sms:\n    url: " + gateway.url("/send") + "\n    format: form\n"
                + "    body:\n      to: \"{{phone}}\"\n      text: \"{{text}}\"\n"
                + "routes:\n"
                + "  " + WEBHOOK_ROUTE + ":\n    channels: [webhook]\n"
                + "  " + SMS_ROUTE + ":\n    channels: [sms]\n    template: account-add-email\n"
                + "    recipients:\n      sms: [phone]\n";
    }

    /** Sends the two bursts one after the other and adds a row for each. */
    void run(Connection kiam, Report report, Supplier<Proc.CpuWindow> cpu) throws Exception {
        burst("webhook", WEBHOOK_ROUTE, webhook, kiam, report, cpu.get(),
                i -> Map.of("userid", "bench-user", "ip", "203.0.113." + (i % 250)));
        // A phone per audit: no per-recipient limit is in force for the route, but it keeps the run honest if one is.
        burst("sms", SMS_ROUTE, gateway, kiam, report, cpu.get(),
                i -> Map.of("phone", "+4915" + (10_000_000 + i), "userid", "bench-user", "newemail", "new-" + i + "@example.com",
                        "httpurl", "https://iam.example.com"));
    }

    private void burst(String channel, String route, Sink sink, Connection kiam, Report report, Proc.CpuWindow cpu,
                       IntFunction<Object> payload) throws Exception {
        EnvelopeCodec codec = new EnvelopeCodec();
        MicroClock clock = MicroClock.system();
        long base = sink.taken.get();
        cpu.begin();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            kiam.publish(Subjects.audit(route), codec.encodeEnvelope(ProtocolVersion.SERVER.toString(), clock.nowMicros(),
                    KrossIamClient.newReqid(), payload.apply(i)));
        }
        kiam.flush(Duration.ofSeconds(10));
        double publishSeconds = (System.nanoTime() - t0) / 1e9;
        long last = base;
        long lastChange = System.nanoTime();
        long hardEnd = t0 + TimeUnit.SECONDS.toNanos(120);
        while (last - base < n && System.nanoTime() - lastChange < TimeUnit.SECONDS.toNanos(10) && System.nanoTime() < hardEnd) {
            Thread.sleep(5);
            long now = sink.taken.get();
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            }
        }
        cpu.end();
        long delivered = last - base;
        double seconds = (lastChange - t0) / 1e9;
        double rate = seconds > 0 ? delivered / seconds : 0;
        Map<String, Double> per = cpu.perUnit(delivered);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("channel", channel);
        data.put("published", n);
        data.put("publishSeconds", publishSeconds);
        data.put("delivered", delivered);
        data.put("seconds", seconds);
        data.put("perSecond", rate);
        data.put("cpuMicrosPerRoute", per);
        report.cells.add(Map.of("scenario", "route " + route + " -> " + channel + " sink", "figures", data));
        report.add(new Report.Row("routes", "audit route -> " + channel + " (loopback HTTP), burst of " + n + " published in "
                + f2(publishSeconds) + " s", f0(rate) + " routes/s", "", "", "", "",
                f1(per.getOrDefault("server", 0.0)) + " / " + f1(per.getOrDefault("nats", 0.0)) + " / "
                        + f1(per.getOrDefault("client", 0.0)),
                "all " + n + " delivered", delivered == n ? PASS : MISS + " (" + (n - delivered) + " lost)", data));
        report.note(String.format(java.util.Locale.ROOT, "routes, %s: %d of %d delivered to the loopback sink, last one %.2f s"
                + " after the first publish", channel, delivered, n, seconds));
    }

    @Override
    public void close() {
        webhook.close();
        gateway.close();
    }
}
