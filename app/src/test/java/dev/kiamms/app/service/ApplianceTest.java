package dev.kiamms.app.service;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.files.OwnerOnlyFiles;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.iplocation.IpLocationRequest;
import dev.kiamms.protocol.Reply;
import dev.kiamms.testing.Await;
import dev.kiamms.testing.GeoIpTestData;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The appliance in this JVM against a real nats-server process. */
class ApplianceTest {

    @TempDir
    Path dir;

    private final List<Appliance> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(Appliance::stop);
    }

    private Appliance start(TestInstance instance) {
        Appliance a = instance.appliance();
        started.add(a);
        a.start();
        return a;
    }

    private TestInstance withGeoIp() throws IOException {
        Path db = GeoIpTestData.city(dir);
        return new TestInstance(dir, "geoip:\n  path: " + db + "\n");
    }

    @Test
    void answersIplocationAsKrossIamAsksAndStopsWithoutLeavingNatsServer() throws Exception {
        TestInstance instance = withGeoIp();
        Appliance appliance = start(instance);

        Map<String, Object> location;
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            KrossIamClient.Exchange ex = kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(10));
            Reply reply = ex.reply();
            assertEquals(0, reply.code(), reply.message());
            assertEquals(ex.reqid(), reply.reqid());
            @SuppressWarnings("unchecked")
            Map<String, Object> p = (Map<String, Object>) reply.payload();
            location = p;
        }
        assertEquals("London", location.get("city"));
        assertEquals("United Kingdom", location.get("country"));

        RunState state = RunState.read(instance.paths.stateFile()).orElseThrow();
        assertEquals(List.of("kiam.console.action.iplocation", "kiam.console.action.sendverifyemail", "kiam.console.notice.>",
                "kiam.console.audit.> (stream KIAM_EVENTS)", "kiam.console.log (stream KIAM_EVENTS)"), state.subjects());
        ProcessHandle nats = ProcessHandle.of(state.natsServerPid()).orElseThrow();
        assertTrue(nats.isAlive());

        appliance.stop();
        Await.until(Duration.ofSeconds(10), () -> !nats.isAlive(), () -> "nats-server pid " + nats.pid() + " still running after stop");
        assertFalse(Files.exists(instance.paths.stateFile()), "run state removed on stop");
    }

    @Test
    void credentialsAreOwnerOnlyAndKeptAcrossRestarts() throws Exception {
        TestInstance instance = withGeoIp();
        start(instance).stop();
        Path creds = instance.paths.credentialsFile();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(creds)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(instance.paths.natsConfigFile())));
        assertTrue(OwnerOnlyFiles.isOwnerOnly(instance.paths.dataDir()));
        String before = Files.readString(creds);

        start(instance);
        assertEquals(before, Files.readString(creds), "a restart reuses the generated passwords");
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            assertTrue(kiam.connection().getStatus().name().equals("CONNECTED"));
        }
    }

    @Test
    void passwordsAreLongRandomAndDiffer() throws Exception {
        TestInstance instance = withGeoIp();
        start(instance);
        Map<?, ?> users = new ObjectMapper().readValue(instance.paths.credentialsFile().toFile(), Map.class);
        String kiam = (String) users.get("kiam");
        String mss = (String) users.get("mss");
        assertTrue(kiam.length() >= 32 && mss.length() >= 32);
        assertNotEquals(kiam, mss);
    }

    @Test
    void refusesAPortInUseWithOneLineThatSaysWhatToDo() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path cfg = dir.resolve("kiam-ms.yaml");
            Files.writeString(cfg, "health:\n  port: 0\nbroker:\n  port: " + taken.getLocalPort() + "\n  monitor_port: " + dev.kiamms.testing.FreePorts.next() + "\n");
            Appliance a = new Appliance(InstancePaths.of(cfg, dir.resolve("data")), new dev.kiamms.app.config.ConfigLoader().load(cfg, true));
            started.add(a);
            KiamMsException e = assertThrows(KiamMsException.class, a::start);
            assertTrue(e.getMessage().contains("port " + taken.getLocalPort()) && e.getMessage().contains("already in use")
                    && e.getMessage().contains("broker.port"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void refusesASecondApplianceOnTheSameDataDirectory() throws Exception {
        TestInstance instance = withGeoIp();
        start(instance);
        Appliance second = instance.appliance();
        KiamMsException e = assertThrows(KiamMsException.class, second::start);
        assertTrue(e.getMessage().contains("already running"), e.getMessage());
    }

    @Test
    void stopsANatsServerLeftBehindByAKilledAppliance() throws Exception {
        TestInstance instance = withGeoIp();
        start(instance).stop();
        // What a kill -9 of the JVM leaves: nats-server still running on the data directory's config.
        Process orphan = new ProcessBuilder(instance.paths.natsServerBinary().toString(),
                "--config", instance.paths.natsConfigFile().toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Await.until(Duration.ofSeconds(5), () -> dev.kiamms.app.broker.ManagedBroker.readPid(instance.paths.natsPidFile())
                    .map(pid -> pid == orphan.pid()).orElse(false), () -> "orphan wrote its pid file");

            start(instance);
            Await.until(Duration.ofSeconds(10), () -> !orphan.isAlive(), () -> "orphan nats-server stopped");
            try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
                assertEquals(0, kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(10)).reply().code());
            }
        } finally {
            // When the test fails, the orphan must not outlive it (holding the port, the JetStream folder).
            orphan.destroyForcibly();
        }
    }

    @Test
    void withoutGeoIpDatabaseIplocationSaysSo() throws Exception {
        TestInstance instance = new TestInstance(dir, "");
        start(instance);
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            Reply reply = kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(10)).reply();
            assertEquals(1, reply.code());
            assertEquals("GeoIP database not configured (geoip.path)", reply.message());
        }
    }

    @Test
    void aSwitchedOffActionIsLeftToOtherApplications() throws Exception {
        TestInstance instance = new TestInstance(dir, "service:\n  actions:\n    ip_location:\n      subscribe: false\n");
        start(instance);
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            // The README promises an immediate "no responders", not a time-out: the request may
            // wait 30 s, the failure must come within a generous 5.
            long t0 = System.nanoTime();
            KrossIamClient.RequestFailed e = assertThrows(KrossIamClient.RequestFailed.class,
                    () -> kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(30)));
            long ms = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.println("switched off: failed after " + ms + " ms: " + e.getMessage());
            assertTrue(e.getMessage().startsWith("no responders"), e.getMessage());
            assertTrue(ms < 5_000, "failed after " + ms + " ms");
        }
        assertFalse(RunState.read(instance.paths.stateFile()).orElseThrow().subjects().contains("kiam.console.action.iplocation"));
    }

    @Test
    void aMissingGeoIpFileStopsTheStartWithItsPath() throws Exception {
        TestInstance instance = new TestInstance(dir, "geoip:\n  path: /nonexistent/City.mmdb\n");
        Appliance a = instance.appliance();
        started.add(a);
        KiamMsException e = assertThrows(KiamMsException.class, a::start);
        assertTrue(e.getMessage().contains("/nonexistent/City.mmdb") && e.getMessage().contains("geoip.path"), e.getMessage());
    }
}
