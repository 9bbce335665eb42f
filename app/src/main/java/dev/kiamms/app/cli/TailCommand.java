package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.service.BrokerAddress;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.app.tail.BusTail;
import dev.kiamms.app.tail.TailFormat;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;

import javax.net.ssl.SSLContext;

@Command(name = "tail",
        description = "Print the messages crossing the bus as they pass: one line each with time, subject, reqid and the start of "
                + "the payload, or the whole message as JSON. Passwords, tokens and verification links are masked.",
        footer = {"", "It connects as kiam-ms's read-only user kiam-ms-tail and never publishes. Replies are not shown.",
                "While it watches actions, a request nobody answers waits for KrossIAM's time-out instead of failing at once.",
                "", "Examples:", "  kiam-ms tail", "  kiam-ms tail --audit --log", "  kiam-ms tail --action --json --count 10"})
public final class TailCommand implements Callable<Integer> {

    @Option(names = "--notice", description = "Notices (kiam.console.notice.>).")
    boolean notice;

    @Option(names = "--audit", description = "Audits (kiam.console.audit.>).")
    boolean audit;

    @Option(names = "--log", description = "KrossIAM's log records (kiam.console.log).")
    boolean log;

    @Option(names = "--action", description = "Action requests (kiam.console.action.>).")
    boolean action;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N messages (default: run until Ctrl-C).")
    long count;

    @Option(names = "--url", paramLabel = "URL",
            description = "Broker URL with credentials allowed to read kiam.console.> (default: this appliance's broker as user kiam-ms-tail).")
    String url;

    @Mixin
    InstanceOptions instance;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws Exception {
        if (count < 0) {
            throw new KiamMsException(KiamMsException.CONFIG, "--count must be 0 (no limit) or more");
        }
        InstancePaths paths = instance.paths();
        LoadedConfig config = instance.loadConfig(paths);
        String target = url != null ? url
                : KrossIamConnection.applianceUrl(paths, config, BrokerCredentials.TAIL, "a read-only user's");
        SSLContext tls = url != null ? null : KrossIamConnection.applianceTls(paths, config);
        PrintWriter err = output.err();
        try (Connection connection = connect(target, tls, err);
             BusTail tail = new BusTail(connection, new TailFormat(output.json()), output.out(), count)) {
            Set<BusTail.Kind> kinds = EnumSet.noneOf(BusTail.Kind.class);
            if (notice) {
                kinds.add(BusTail.Kind.NOTICE);
            }
            if (audit) {
                kinds.add(BusTail.Kind.AUDIT);
            }
            if (log) {
                kinds.add(BusTail.Kind.LOG);
            }
            if (action) {
                kinds.add(BusTail.Kind.ACTION);
            }
            // Progress goes to stderr so that stdout carries only messages (one JSON object per line with --json).
            err.println("watching " + String.join(", ", tail.start(kinds)) + " on " + BrokerAddress.mask(target)
                    + (count > 0 ? " until " + count + " message(s)" : "; Ctrl-C to stop"));
            err.flush();
            while (!tail.await(Duration.ofDays(1))) {
                // wait on: a tail runs until stopped
            }
        }
        return 0;
    }

    private static Connection connect(String url, SSLContext tls, PrintWriter err) {
        Options.Builder options = new Options.Builder().server(url).connectionName("kiam-ms tail")
                .maxReconnects(-1).reconnectWait(Duration.ofMillis(500))
                .connectionListener((c, event) -> report(event, err))
                .errorListener(new dev.kiamms.bus.QuietErrorListener("kiamms.tail"));
        if (tls != null) {
            options.sslContext(tls);
        }
        return KrossIamConnection.explained(url, () -> Nats.connect(options.build()));
    }

    private static void report(ConnectionListener.Events event, PrintWriter err) {
        switch (event) {
            case DISCONNECTED -> err.println("tail: disconnected from the broker; reconnecting (messages meanwhile are not shown)");
            case RECONNECTED -> err.println("tail: reconnected");
            default -> {
                return;
            }
        }
        err.flush();
    }
}
