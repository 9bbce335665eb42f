package dev.kiamms.app.registry;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.config.ConfigLoader;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.Settings;
import dev.kiamms.app.service.Registries;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** service.actions as a map checked by the registry: spellings, unknown keys, each action's own options. */
class ActionSettingsCheckTest {

    @TempDir
    Path dir;

    private final Registry registry = BuiltIns.registry();

    private LoadedConfig load(String yaml) throws IOException {
        Path f = dir.resolve("kiam-ms.yaml");
        Files.writeString(f, yaml);
        return new ConfigLoader().load(f, true);
    }

    private List<String> problems(String yaml) throws IOException {
        List<String> problems = Registries.problems(registry, load(yaml));
        System.out.println("problems: " + problems);
        return problems;
    }

    @Test
    void theReferenceSpellingsAndTheProtocolKeysBothLoad() throws IOException {
        Settings reference = load("service:\n  actions:\n    ip_location:\n      subscribe: false\n      engine: geoip\n"
                + "    send_verify_email:\n      subscribe: true\n").settings();
        assertFalse(reference.service().action("iplocation").subscribe());
        assertTrue(reference.service().action("sendverifyemail").subscribe());
        assertEquals("geoip", reference.service().action("iplocation").option("engine", "none"));
        assertEquals(List.of(), Registries.problems(registry, load("service:\n  actions:\n    ip_location:\n      engine: geoip\n")));

        Settings protocol = load("service:\n  actions:\n    sendverifyemail:\n      subscribe: false\n").settings();
        assertFalse(protocol.service().action("sendverifyemail").subscribe());
        assertTrue(protocol.service().action("iplocation").subscribe(), "an action not written is switched on");
        assertFalse(registry.needsMail(load("service:\n  actions:\n    send_verify_email:\n      subscribe: false\n"
                + "  audits:\n    subscribe: false\n").settings()), "no mail handler switched on: no mail setup needed");
    }

    @Test
    void anUnknownEngineIsRefusedAtItsLineAndOnlyIplocationHasAnEngine() throws IOException {
        List<String> engine = problems("debug: false\nservice:\n  actions:\n    ip_location:\n      engine: ip2location\n");
        assertEquals(1, engine.size());
        assertTrue(engine.get(0).contains(":5: service.actions.ip_location.engine: ") && engine.get(0).contains("ip2location")
                && engine.get(0).contains("geoip"), engine.get(0));

        assertEquals(List.of(), problems("service:\n  actions:\n    send_verify_email:\n      subscribe: true\n"),
                "sendverifyemail needs no engine");
        List<String> stray = problems("service:\n  actions:\n    sendverifyemail:\n      engine: geoip\n");
        assertTrue(stray.size() == 1 && stray.get(0).contains(":4: ") && stray.get(0).contains("'engine'"), stray.toString());
    }

    @Test
    void anUnknownActionIsAProblemNamingTheKnownOnes() throws IOException {
        List<String> p = problems("service:\n  actions:\n    send_sms:\n      subscribe: true\n");
        assertEquals(1, p.size());
        assertTrue(p.get(0).contains(":3: ") && p.get(0).contains("send_sms")
                && p.get(0).contains("iplocation, sendverifyemail"), p.get(0));
        // start refuses it the same way
        KiamMsException e = assertThrows(KiamMsException.class,
                () -> new dev.kiamms.app.service.Appliance(dev.kiamms.app.service.InstancePaths.of(dir.resolve("kiam-ms.yaml"),
                        dir.resolve("data")), load("service:\n  actions:\n    send_sms: {}\n")).start());
        assertTrue(e.getMessage().contains(":3: ") && e.getMessage().contains("send_sms"), e.getMessage());
        assertEquals(KiamMsException.CONFIG, e.exitCode());
    }

    @Test
    void oneActionWrittenTwiceIsRefusedByTheLoader() {
        KiamMsException e = assertThrows(KiamMsException.class,
                () -> load("service:\n  actions:\n    ip_location: {}\n    iplocation: {}\n"));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
        KiamMsException notBoolean = assertThrows(KiamMsException.class,
                () -> load("service:\n  actions:\n    iplocation:\n      subscribe: 3\n"));
        assertTrue(notBoolean.getMessage().contains("true or false"), notBoolean.getMessage());
    }
}
