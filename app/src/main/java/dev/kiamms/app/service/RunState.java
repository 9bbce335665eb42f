package dev.kiamms.app.service;

import dev.kiamms.files.OwnerOnlyFiles;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a running appliance tells the other commands about itself, in {@code <data>/run/kiam-ms.json}.
 * {@code startedAt} is ISO-8601 UTC. Holds no secret: the broker URL in it carries no password.
 */
public record RunState(
        long pid,
        String version,
        String startedAt,
        String brokerUrl,
        int monitorPort,
        Long natsServerPid,
        int brokerRestarts,
        String config,
        List<String> subjects) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public RunState withBroker(long natsPid, int restarts) {
        return new RunState(pid, version, startedAt, brokerUrl, monitorPort, natsPid, restarts, config, subjects);
    }

    public void write(Path file) throws IOException {
        OwnerOnlyFiles.directory(file.getParent());
        OwnerOnlyFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
    }

    public static Optional<RunState> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), RunState.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
