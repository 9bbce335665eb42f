package dev.kiamms.app.cli;

import dev.kiamms.app.config.ConfigLoader;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.service.InstancePaths;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --config} and {@code --data}, shared by every command that works on one appliance. */
public final class InstanceOptions {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Configuration file (default: conf/kiam-ms.yaml in the distribution; embedded defaults when that is absent).")
    Path config;

    @Option(names = {"-d", "--data"}, paramLabel = "DIR",
            description = "Data directory holding credentials, broker state and logs (default: data/ in the distribution).")
    Path data;

    public InstancePaths paths() {
        return InstancePaths.of(config, data);
    }

    public LoadedConfig loadConfig(InstancePaths paths) {
        return new ConfigLoader().load(paths.configFile(), paths.configGiven());
    }
}
