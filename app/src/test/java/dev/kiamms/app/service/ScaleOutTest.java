package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.broker.BrokerTls;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.iplocation.IpLocationRequest;
import dev.kiamms.metrics.HandlerCounts;
import dev.kiamms.protocol.Reply;
import dev.kiamms.testing.FreePorts;
import dev.kiamms.testing.GeoIpTestData;
import dev.kiamms.testing.NatsServerFixture;

import io.nats.client.Options;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Growing past one appliance on NATS itself: an external broker, TLS for clients, a three-node cluster. */
class ScaleOutTest {

    @TempDir
    Path dir;

    private final List<Appliance> started = new ArrayList<>();

    @AfterEach
    void stopAllAndLeaveNoBroker() throws Exception {
        List<ProcessHandle> brokers = ProcessHandle.current().children()
                .filter(p -> p.info().command().map(c -> c.endsWith("nats-server")).orElse(false)).toList();
        started.forEach(Appliance::stop);
        for (ProcessHandle p : brokers) {
            p.onExit().get(20, TimeUnit.SECONDS);
        }
    }

    private Appliance start(TestInstance instance) {
        Appliance a = instance.appliance();
        started.add(a);
        a.start();
        return a;
    }

    private static long handled(Appliance a) {
        HandlerCounts c = a.stats().snapshot().handlers().get("iplocation");
        return c == null ? 0 : c.handled();
    }

    @Test
    void onAnExternalBrokerOnlyTheSubscribersRun() throws Exception {
        Path js = Files.createDirectories(dir.resolve("external-js"));
        try (NatsServerFixture external = NatsServerFixture.start("jetstream {store_dir: \"" + js + "\"}\n")) {
            Path config = dir.resolve("kiam-ms.yaml");
            Files.writeString(config, "health:\n  port: 0\nbrokers:\n  - " + external.url() + "\nbroker:\n  embedded: false\n"
                    + "geoip:\n  path: " + GeoIpTestData.city(dir) + "\n");
            TestInstance instance = new TestInstance(dir, config, external.port(), 0);
            List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.logging.Logger log = java.util.logging.Logger.getLogger("kiamms.appliance");
            java.util.logging.Handler capture = new java.util.logging.Handler() {
                @Override
                public void publish(java.util.logging.LogRecord r) {
                    if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                        warnings.add(r.getMessage());
                    }
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
            log.addHandler(capture);
            try {
                start(instance);
            } finally {
                log.removeHandler(capture);
            }
            assertTrue(warnings.stream().noneMatch(w -> w.contains("brokers")), "the brokers it uses are not called ignored: " + warnings);
            assertTrue(Files.notExists(instance.paths.natsConfigFile()), "no broker of its own");
            try (KrossIamClient kiam = KrossIamClient.connect(external.url())) {
                Reply reply = kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(5)).reply();
                assertEquals(0, reply.code(), reply.message());
            }
            // status reads the counters the appliance writes every 2 s, as it does on its own broker.
            String[] status = {"status", "--config", config.toString(), "--data", instance.paths.dataDir().toString()};
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String text = runStatus(status);
            while (!text.contains("iplocation: 1 handled") && System.nanoTime() < deadline) {
                Thread.sleep(200);
                text = runStatus(status);
            }
            assertTrue(text.contains("external, "), text);
            assertTrue(text.contains("iplocation: 1 handled, 0 failed"), text);
            assertTrue(text.contains("dead letters 0"), text);
            com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(runStatus("status", "--json", "--config", config.toString(), "--data", instance.paths.dataDir().toString()));
            assertEquals(1, j.path("handlers").path("iplocation").path("handled").asInt(), j.toString());
            assertEquals(0, j.path("deadLetters").asInt(-1), j.toString());
        }
    }

    private static String runStatus(String... args) {
        dev.kiamms.app.cli.CommandRun r = dev.kiamms.app.cli.CommandRun.of(args);
        assertEquals(0, r.exit(), r.text());
        return r.out();
    }

    @Test
    void servesClientsOverTlsWithACertificateMadeHere() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl makes the test certificate");
        Path cert = dir.resolve("broker.pem");
        Path key = dir.resolve("broker.key");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=kiam-ms test",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost").redirectErrorStream(true).start();
        assertTrue(openssl.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "openssl finishes");
        assertEquals(0, openssl.exitValue(), new String(openssl.getInputStream().readAllBytes()));

        TestInstance instance = new TestInstance(dir, "  tls:\n    cert: " + cert + "\n    key: " + key + "\n"
                + "geoip:\n  path: " + GeoIpTestData.city(dir) + "\n");
        start(instance);
        String url = instance.url(BrokerCredentials.KIAM).replace("nats://", "tls://");
        Options options = KrossIamClient.options(url).sslContext(BrokerTls.trusting(cert)).build();
        try (KrossIamClient kiam = KrossIamClient.connect(options)) {
            assertEquals(0, kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(5)).reply().code());
        }
        Options plain = KrossIamClient.options(instance.url(BrokerCredentials.KIAM)).maxReconnects(0)
                .connectionTimeout(Duration.ofSeconds(3)).build();
        org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> KrossIamClient.connect(plain).close(),
                "a plain-text client is refused");
        assertTrue(BrokerAddress.url(instance.config().settings().broker(), "kiam", "x").startsWith("tls://"),
                "kiam-config prints a tls:// URL");
    }

    @Test
    void threeAppliancesFormOneClusterAndShareTheWorkExactlyOnce() throws Exception {
        int n = 3;
        int[] routePorts = new int[n];
        for (int i = 0; i < n; i++) {
            routePorts[i] = FreePorts.next();
        }
        Path geo = GeoIpTestData.city(dir);
        List<TestInstance> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder routes = new StringBuilder();
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    routes.append("      - nats-route://127.0.0.1:").append(routePorts[j]).append('\n');
                }
            }
            Path nodeDir = Files.createDirectories(dir.resolve("node" + i));
            nodes.add(new TestInstance(nodeDir, "  server_name: node" + i + "\n  cluster:\n    name: kiam-test\n    listen: 127.0.0.1:"
                    + routePorts[i] + "\n    routes:\n" + routes + "geoip:\n  path: " + geo + "\n"));
        }
        // As an operator would: every node gets the first node's broker users, so KrossIAM's URL works on each.
        Path firstCredentials = nodes.get(0).paths.credentialsFile();
        BrokerCredentials.loadOrCreate(firstCredentials);
        for (TestInstance node : nodes.subList(1, n)) {
            Files.createDirectories(node.paths.brokerDir(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            Files.copy(firstCredentials, node.paths.credentialsFile(), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
        // Started together: JetStream elects its leader once a majority of the nodes is up.
        List<Appliance> appliances = new ArrayList<>();
        List<CompletableFuture<Void>> starting = new ArrayList<>();
        for (TestInstance node : nodes) {
            Appliance a = node.appliance();
            appliances.add(a);
            started.add(a);
            starting.add(CompletableFuture.runAsync(a::start));
        }
        CompletableFuture.allOf(starting.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);

        String[] urls = nodes.stream().map(node -> {
            try {
                return node.url(BrokerCredentials.KIAM);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }).toArray(String[]::new);
        try (KrossIamClient kiam = KrossIamClient.connect(KrossIamClient.options(urls[0]).servers(urls)
                .reconnectWait(Duration.ofMillis(100)).build())) {
            for (int i = 0; i < 1000; i++) {
                Reply reply = kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(10)).reply();
                assertEquals(0, reply.code(), reply.message());
            }
            long total = appliances.stream().mapToLong(ScaleOutTest::handled).sum();
            System.out.println("1000 requests handled per node: " + appliances.stream().map(a -> String.valueOf(handled(a))).toList());
            assertEquals(1000, total, "each request handled exactly once across the cluster");

            // The node the client is connected to goes away; the others keep answering.
            String connected = kiam.connection().getConnectedUrl();
            int gone = java.util.stream.IntStream.range(0, n)
                    .filter(i -> connected.endsWith(":" + nodes.get(i).port)).findFirst().orElse(0);
            appliances.get(gone).stop();
            int answered = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (answered < 100 && System.nanoTime() < deadline) {
                try {
                    if (kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(2)).reply().code() == 0) {
                        answered++;
                    }
                } catch (KrossIamClient.RequestFailed reconnecting) {
                    Thread.sleep(100);
                }
            }
            assertEquals(100, answered, "the remaining nodes answer");
            long afterStop = 0;
            for (int i = 0; i < n; i++) {
                if (i != gone) {
                    afterStop += handled(appliances.get(i));
                }
            }
            assertTrue(afterStop >= 100, "answered by the other nodes");
        }
    }
}
