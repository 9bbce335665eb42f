package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.iplocation.IpLocationRequest;
import dev.kiamms.testing.Await;
import dev.kiamms.testing.GeoIpTestData;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** nats-server killed with SIGKILL under load: restarted, and every request after recovery answered. */
class BrokerSupervisionTest {

    @TempDir
    Path dir;

    private Appliance appliance;

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.stop();
        }
    }

    /** @param brokerYaml more keys of the broker section, indented by two spaces */
    private TestInstance start(String brokerYaml) throws Exception {
        TestInstance instance = new TestInstance(dir, brokerYaml + "geoip:\n  path: " + GeoIpTestData.city(dir) + "\n");
        appliance = instance.appliance();
        appliance.start();
        return instance;
    }

    private static long natsPid(TestInstance instance) {
        return RunState.read(instance.paths.stateFile()).orElseThrow().natsServerPid();
    }

    private static boolean answered(KrossIamClient client) {
        try {
            return client.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofMillis(500)).reply().code() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void aKilledBrokerIsRestartedAndServiceComesBack() throws Exception {
        TestInstance instance = start("");
        long before = natsPid(instance);
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            for (int i = 0; i < 50; i++) {
                assertTrue(answered(kiam), "answered before the kill");
            }
            ProcessHandle.of(before).orElseThrow().destroyForcibly();
            long killedAt = System.nanoTime();
            long deadline = killedAt + TimeUnit.SECONDS.toNanos(20);
            boolean back = false;
            while (!back && System.nanoTime() < deadline) {
                back = answered(kiam);
            }
            double seconds = (System.nanoTime() - killedAt) / 1e9;
            System.out.printf("service back %.2f s after SIGKILL of nats-server%n", seconds);
            assertTrue(back, "service came back");

            int answered = 0;
            for (int i = 0; i < 200; i++) {
                answered += answered(kiam) ? 1 : 0;
            }
            assertEquals(200, answered, "every request after recovery is answered");
        }
        RunState state = RunState.read(instance.paths.stateFile()).orElseThrow();
        assertNotEquals(before, state.natsServerPid());
        assertEquals(1, state.brokerRestarts());
        assertTrue(ProcessHandle.of(state.natsServerPid()).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void givesUpLoudlyWhenTheBrokerKeepsDying() throws Exception {
        TestInstance instance = start("  restarts:\n    max_failures: 1\n    window_seconds: 60\n");
        long first = natsPid(instance);
        ProcessHandle.of(first).orElseThrow().destroyForcibly();
        Await.until(Duration.ofSeconds(10), () -> natsPid(instance) != first, () -> "restarted once");
        long second = natsPid(instance);
        ProcessHandle.of(second).orElseThrow().destroyForcibly();
        assertEquals(1, appliance.terminated().get(15, TimeUnit.SECONDS), "kiam-ms stops with exit code 1");
        Await.until(Duration.ofSeconds(10), () -> ProcessHandle.of(second).map(p -> !p.isAlive()).orElse(true), () -> "no broker left");
    }
}
