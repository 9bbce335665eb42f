package dev.kiamms.app.cli;

import dev.kiamms.app.Version;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.app.service.NatsServerRecord;
import dev.kiamms.protocol.ProtocolVersion;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "version", description = "Print the versions of kiam-ms, the protocol it speaks, Java and the bundled nats-server.",
        footer = {"", "Examples:", "  kiam-ms version", "  kiam-ms version --json"})
public final class VersionCommand implements Callable<Integer> {

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() {
        Map<String, String> v = versions();
        List<String> text = new ArrayList<>(List.of("kiam-ms " + v.get("kiamMs"),
                "protocol " + v.get("protocol") + " (KrossIAM msc)",
                "java " + v.get("java"),
                v.get("natsServer")));
        if (v.get("natsServerSha256") != null) {
            text.add("nats-server sha256 " + v.get("natsServerSha256"));
        }
        output.print(Result.of(v, text));
        return 0;
    }

    static Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("kiamMs", Version.current());
        v.put("protocol", ProtocolVersion.SERVER.toString());
        v.put("java", System.getProperty("java.runtime.version", System.getProperty("java.version")));
        Optional<NatsServerRecord> nats = InstancePaths.of(null, null).bundledNatsServer();
        v.put("natsServer", nats.map(NatsServerRecord::line)
                .orElse("nats-server: not bundled (a development build uses NATS_SERVER_BIN or PATH)"));
        // null (not left out) when unknown, so that scripts find the same keys every time
        v.put("natsServerVersion", nats.map(NatsServerRecord::version).orElse(null));
        v.put("natsServerSha256", nats.map(NatsServerRecord::sha256).filter(h -> !h.isEmpty()).orElse(null));
        v.put("natsServerOrigin", nats.map(NatsServerRecord::origin).filter(o -> !o.isEmpty()).orElse(null));
        return v;
    }
}
