package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerConfigWriter;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.users.AppRole;
import dev.kiamms.app.users.AppUser;
import dev.kiamms.app.users.AppUsers;
import dev.kiamms.app.users.BrokerUsers;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.iplocation.IpLocationRequest;
import dev.kiamms.protocol.Reply;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.GeoIpTestData;
import dev.kiamms.testing.NatsServerFixture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.service.Discovery;
import io.nats.service.EndpointStats;
import io.nats.service.InfoResponse;
import io.nats.service.PingResponse;
import io.nats.service.StatsResponse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kiam-ms as a NATS micro service (ADR-32), against the real broker: a service-monitor app finds
 * it with jnats's own Discovery client, and STATS carries the live counts of each action from the
 * stats spine; a reload that switches an action off takes its endpoint away.
 */
class ServiceDiscoveryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Appliance appliance;

    private final List<Appliance> others = new ArrayList<>();

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.stop();
        }
        others.forEach(Appliance::stop);
    }

    @Test
    void everyInstanceAnswersForItselfNotInTheQueueGroup() throws Exception {
        Path cityDb = GeoIpTestData.city(dir);
        try (NatsServerFixture external = NatsServerFixture.start()) {
            for (String name : List.of("a", "b")) {
                Path home = Files.createDirectories(dir.resolve(name));
                Path config = home.resolve("kiam-ms.yaml");
                Files.writeString(config, "health:\n  port: 0\nbrokers:\n  - " + external.url() + "\nbroker:\n  embedded: false\n"
                        + "geoip:\n  path: " + cityDb + "\n");
                Appliance a = new TestInstance(home, config, external.port(), 0).appliance();
                others.add(a);
                a.start();
            }
            int sent = 6;
            try (KrossIamClient kiam = KrossIamClient.connect(external.url())) {
                for (int i = 0; i < sent; i++) {
                    Reply ok = kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(5)).reply();
                    assertEquals(0, ok.code(), ok.message());
                }
            }
            try (Connection nc = Nats.connect(new Options.Builder().server(external.url()).maxReconnects(0).build())) {
                Discovery discovery = new Discovery(nc, 2000, 10);
                List<PingResponse> pings = discovery.ping(ServiceDiscovery.NAME);
                assertEquals(2, pings.size(), "both instances answer: " + pings);
                assertEquals(2, pings.stream().map(PingResponse::getId).distinct().count(), "each with an id of its own");
                long total = 0;
                for (PingResponse ping : pings) {
                    StatsResponse stats = discovery.stats(ServiceDiscovery.NAME, ping.getId());
                    assertEquals(ping.getId(), stats.getId());
                    total += stats.getEndpointStatsList().stream().filter(e -> e.getName().equals("iplocation"))
                            .mapToLong(EndpointStats::getNumRequests).sum();
                }
                System.out.println("$SRV STATS over two instances: " + total + " iplocation requests of " + sent + " sent");
                assertEquals(sent, total, "the queue group shared the requests; each instance counts only its own");
            }
        }
    }

    @Test
    void answersPingInfoAndStatsWithLiveCountsPerAction() throws Exception {
        Path cityDb = GeoIpTestData.city(dir);
        TestInstance instance = new TestInstance(dir, "geoip:\n  path: " + cityDb + "\n");
        String base = Files.readString(instance.paths.configFile());
        appliance = instance.appliance();
        appliance.start();
        AppUser monitor = new AppUsers(instance.paths.appUsersFile()).add("monitor", List.of(AppRole.parse("service-monitor")));
        Appliance.ReloadResult added = appliance.reload();
        assertEquals(BrokerUsers.Outcome.RELOADED, added.brokerUsers(), added.message());

        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            for (int i = 0; i < 3; i++) {
                Reply ok = kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(5)).reply();
                assertEquals(0, ok.code(), ok.message());
            }
            Reply bad = kiam.request("iplocation", new IpLocationRequest("not an address", "en"), Duration.ofSeconds(5)).reply();
            assertEquals(1, bad.code(), "a bad address is an error: " + bad.message());
        }

        String url = "nats://monitor:" + monitor.password() + "@127.0.0.1:" + instance.port;
        try (Connection nc = Nats.connect(new Options.Builder().server(url).inboxPrefix(BrokerConfigWriter.SERVICE_MONITOR_INBOX)
                .maxReconnects(0).build())) {
            Discovery discovery = new Discovery(nc, 2000, 10);

            List<PingResponse> pings = discovery.ping(ServiceDiscovery.NAME);
            assertEquals(1, pings.size(), "one instance answers: " + pings);
            PingResponse ping = pings.get(0);
            assertEquals("io.nats.micro.v1.ping_response", ping.getType());
            assertEquals("kiam-ms", ping.getName());
            String id = ping.getId();
            assertFalse(id.isBlank());
            assertEquals(1, discovery.ping().size(), "the plain $SRV.PING reaches it too");

            InfoResponse info = discovery.info(ServiceDiscovery.NAME, id);
            assertNotNull(info, "$SRV.INFO.kiam-ms.<id> answers");
            assertEquals("io.nats.micro.v1.info_response", info.getType());
            var ipEndpoint = info.getEndpoints().stream().filter(e -> e.getName().equals("iplocation")).findFirst().orElseThrow();
            assertEquals(Subjects.action("iplocation"), ipEndpoint.getSubject());
            assertEquals("kiam-ms", ipEndpoint.getQueueGroup());

            StatsResponse stats = discovery.stats(ServiceDiscovery.NAME, id);
            assertNotNull(stats, "$SRV.STATS.kiam-ms.<id> answers");
            assertEquals("io.nats.micro.v1.stats_response", stats.getType());
            assertNotNull(stats.getStarted());
            EndpointStats ip = stats.getEndpointStatsList().stream().filter(e -> e.getName().equals("iplocation")).findFirst()
                    .orElseThrow(() -> new AssertionError("no iplocation endpoint in " + stats.toJson()));
            System.out.println("$SRV STATS iplocation: " + ip.toJson());
            assertEquals(4, ip.getNumRequests(), ip.toJson());
            assertEquals(1, ip.getNumErrors(), ip.toJson());
            assertFalse(ip.getLastError() == null || ip.getLastError().isBlank(), "the bad request's error: " + ip.toJson());
            assertTrue(ip.getProcessingTime() > 0, ip.toJson());
            assertEquals(ip.getProcessingTime() / 3, ip.getAverageProcessingTime(), "the mean of the three handled");

            // The raw answer to $SRV.STATS.kiam-ms: the ADR-32 field names, nanoseconds as numbers.
            JsonNode raw = JSON.readTree(nc.request("$SRV.STATS.kiam-ms", new byte[0], Duration.ofSeconds(5)).getData());
            assertEquals("io.nats.micro.v1.stats_response", raw.get("type").asText());
            assertEquals(id, raw.get("id").asText());
            JsonNode rawIp = null;
            for (JsonNode e : raw.get("endpoints")) {
                if (e.get("name").asText().equals("iplocation")) {
                    rawIp = e;
                }
            }
            assertNotNull(rawIp, raw.toString());
            assertTrue(rawIp.get("processing_time").isIntegralNumber() && rawIp.get("average_processing_time").isIntegralNumber(),
                    rawIp.toString());
            assertEquals(4, rawIp.get("num_requests").asLong());

            // A reload that switches iplocation off takes its endpoint away.
            Files.writeString(instance.paths.configFile(), base + "service:\n  actions:\n    ip_location:\n      subscribe: false\n");
            assertTrue(appliance.reload().applied());
            StatsResponse after = discovery.stats(ServiceDiscovery.NAME, id);
            assertTrue(after.getEndpointStatsList().stream().noneMatch(e -> e.getName().equals("iplocation")), after.toJson());
            assertTrue(discovery.info(ServiceDiscovery.NAME, id).getEndpoints().stream().noneMatch(e -> e.getName().equals("iplocation")));
        }
    }
}
