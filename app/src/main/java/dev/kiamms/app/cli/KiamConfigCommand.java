package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.service.BrokerAddress;
import dev.kiamms.app.service.InstancePaths;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "kiam-config",
        description = "Print the 'ms' section to paste into KrossIAM's configuration: the broker URL with the kiam user's password.",
        footer = {"", "The output holds a password: paste it into KrossIAM's configuration file, not into a ticket or a chat.",
                "", "Examples:", "  kiam-ms kiam-config", "  kiam-ms kiam-config --host iam-ms.example.com --json"})
public final class KiamConfigCommand implements Callable<Integer> {

    @Mixin
    InstanceOptions instance;

    @Mixin
    OutputOptions output;

    @Option(names = "--host", paramLabel = "HOST",
            description = "Host name KrossIAM uses to reach this broker (default: broker.host of the configuration).")
    String host;

    @Override
    public Integer call() {
        InstancePaths paths = instance.paths();
        LoadedConfig config = instance.loadConfig(paths);
        if (!config.settings().broker().embedded()) {
            throw new KiamMsException(KiamMsException.CONFIG, "kiam-ms uses an external broker (broker.embedded: false): "
                    + "give KrossIAM that broker's URL and a user of its own");
        }
        BrokerCredentials credentials;
        try {
            credentials = BrokerCredentials.read(paths.credentialsFile());
        } catch (IOException e) {
            throw new KiamMsException(KiamMsException.FAILURE, e.getMessage());
        }
        String url = BrokerAddress.url(config.settings().broker(), BrokerCredentials.KIAM,
                credentials.password(BrokerCredentials.KIAM));
        if (host != null) {
            url = url.replaceFirst("@[^:]+:(\\d+)$", "@" + host + ":$1");
            // The URL names another host, but a broker on loopback takes no connection from one.
            String listen = config.settings().broker().host();
            if (isLoopback(listen) && !isLoopback(host)) {
                output.err().println("kiam-config: warning: broker.host is " + listen + ", so nats-server accepts connections from "
                        + "this host only and KrossIAM cannot reach " + host + "; set broker.host to an address KrossIAM can reach "
                        + "(or 0.0.0.0) in " + config.describeSource() + " and restart kiam-ms");
            }
        }
        Map<String, Object> ms = new LinkedHashMap<>();
        ms.put("brokers", List.of(url));
        List<String> text = new ArrayList<>(List.of("# kiam-ms broker for KrossIAM: paste into KrossIAM's configuration file",
                "ms:", "  brokers:", "    - " + url));
        if (config.settings().broker().tls() != null) {
            text.add("# the broker serves TLS: KrossIAM must trust its certificate (or the CA that signed it)");
        }
        output.print(Result.of(Map.of("ms", ms), text));
        return 0;
    }

    /** Loopback by name or address, without asking DNS: 127.0.0.0/8, ::1, localhost. */
    static boolean isLoopback(String host) {
        String h = host.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("^\\[|\\]$", "");
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }
}
