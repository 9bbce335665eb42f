package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.iplocation.IpLocationRequest;
import dev.kiamms.protocol.Reply;
import dev.kiamms.testing.GeoIpTestData;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A configuration reload swaps the GeoIP database and the answered actions, and refuses a bad file. */
class ReloadTest {

    @TempDir
    Path dir;

    private Appliance appliance;

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.stop();
        }
    }

    private static String city(KrossIamClient kiam) throws Exception {
        Reply reply = kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(5)).reply();
        assertEquals(0, reply.code(), reply.message());
        return (String) ((Map<?, ?>) reply.payload()).get("city");
    }

    @Test
    void swapsTheDatabaseTogglesActionsAndKeepsTheRunningConfigurationWhenTheNewOneIsBad() throws Exception {
        Path cityDb = GeoIpTestData.city(dir);
        Path countryDb = GeoIpTestData.country(dir);
        TestInstance instance = new TestInstance(dir, "geoip:\n  path: " + cityDb + "\n");
        Path config = instance.paths.configFile();
        String base = Files.readString(config);
        appliance = instance.appliance();
        appliance.start();

        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            assertEquals("London", city(kiam));

            Files.writeString(config, base.replace(cityDb.toString(), countryDb.toString()));
            Appliance.ReloadResult swapped = appliance.reload();
            assertTrue(swapped.applied(), swapped.message());
            assertEquals("", city(kiam), "a Country database has no cities");

            Files.writeString(config, base + "brokerz: oops\n");
            Appliance.ReloadResult refused = appliance.reload();
            assertFalse(refused.applied());
            assertTrue(refused.message().matches("(?s).*\\.yaml:\\d+: brokerz: unknown key.*"), refused.message());
            assertEquals("", city(kiam), "the running configuration stays");

            Files.writeString(config, base.replace(cityDb.toString(), dir.resolve("missing.mmdb").toString()));
            assertFalse(appliance.reload().applied(), "an unreadable database is refused too");

            Files.writeString(config, base + "service:\n  actions:\n    ip_location:\n      subscribe: false\n");
            Appliance.ReloadResult off = appliance.reload();
            assertTrue(off.applied(), off.message());
            assertFalse(off.message().contains("kiam.console.action.iplocation"), off.message());
            // Once the reload has returned, the switched-off action fails at once with "no
            // responders", as the README promises, and not after a time-out: the request may wait
            // 30 s, the failure must come within a generous 5.
            long t0 = System.nanoTime();
            KrossIamClient.RequestFailed gone = assertThrows(KrossIamClient.RequestFailed.class,
                    () -> kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(30)));
            long ms = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.println("switched off by reload: failed after " + ms + " ms: " + gone.getMessage());
            assertTrue(gone.getMessage().startsWith("no responders"), gone.getMessage());
            assertTrue(ms < 5_000, "failed after " + ms + " ms");

            Files.writeString(config, base);
            assertTrue(appliance.reload().applied());
            assertEquals("London", city(kiam), "switched on again, with the City database");
        }
    }
}
