package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.config.ConfigLoader;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.testing.FreePorts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One appliance's files in a temporary folder, on free loopback ports. */
final class TestInstance {

    final Path dir;
    final int port;
    final int monitorPort;
    final InstancePaths paths;

    TestInstance(Path dir, String extraYaml) throws IOException {
        this.dir = dir;
        this.port = FreePorts.next();
        this.monitorPort = FreePorts.next();
        Path config = dir.resolve("kiam-ms.yaml");
        // health first, so that extraYaml may go on with broker keys
        Files.writeString(config, "health:\n  port: " + FreePorts.next() + "\nbroker:\n  port: " + port + "\n  monitor_port: "
                + monitorPort + "\n" + extraYaml);
        this.paths = InstancePaths.of(config, dir.resolve("data"));
    }

    /** For a configuration the test wrote itself. */
    TestInstance(Path dir, Path config, int port, int monitorPort) {
        this.dir = dir;
        this.port = port;
        this.monitorPort = monitorPort;
        this.paths = InstancePaths.of(config, dir.resolve("data"));
    }

    LoadedConfig config() {
        return new ConfigLoader().load(paths.configFile(), true);
    }

    Appliance appliance() {
        return new Appliance(paths, config());
    }

    String url(String user) throws IOException {
        BrokerCredentials c = BrokerCredentials.read(paths.credentialsFile());
        return "nats://" + user + ":" + c.password(user) + "@127.0.0.1:" + port;
    }

    String anonymousUrl() {
        return "nats://127.0.0.1:" + port;
    }
}
