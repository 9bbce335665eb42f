package dev.kiamms.app.service;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.broker.BrokerConfigWriter;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.broker.BrokerMonitor;
import dev.kiamms.app.broker.BrokerTls;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.Settings;
import dev.kiamms.bus.QuietErrorListener;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/** What the settings say about reaching the broker: its layout on disk, its name, TLS, and the subscribers' connection. */
final class BrokerSetup {

    private static final Logger LOG = Logger.getLogger("kiamms.appliance");

    private final InstancePaths paths;
    private final LoadedConfig config;
    private final Settings settings;

    BrokerSetup(InstancePaths paths, LoadedConfig config) {
        this.paths = paths;
        this.config = config;
        this.settings = config.settings();
    }

    BrokerConfigWriter.BrokerLayout layout(Path logDir) throws IOException {
        Settings.BrokerSettings b = settings.broker();
        return new BrokerConfigWriter.BrokerLayout(serverName(), b.host(), b.port(),
                b.monitorPort(), paths.natsPidFile(), logDir.resolve("nats-server.log"),
                dev.kiamms.files.OwnerOnlyFiles.directory(paths.jetStreamDir()), b.jetstream().syncInterval(), settings.debug(),
                cluster(), tls());
    }

    /** Connects the subscribers; {@code credentials} null on an external broker (its URLs carry them). */
    Connection connectSubscribers(BrokerCredentials credentials, Runnable onReconnected) throws IOException, InterruptedException {
        Options.Builder builder = new Options.Builder();
        if (settings.broker().embedded()) {
            builder.server(brokerUrl(null)).userInfo(BrokerCredentials.MSS, credentials.password(BrokerCredentials.MSS));
            Settings.TlsSettings tls = settings.broker().tls();
            if (tls != null) {
                builder.sslContext(BrokerTls.trusting(config.resolve(tls.trustFile(), paths.confDir())));
            }
        } else {
            builder.servers(settings.brokers().toArray(String[]::new));
        }
        Options options = builder
                .connectionName("kiam-ms")
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(250))
                .connectionTimeout(Duration.ofSeconds(5))
                .errorListener(new QuietErrorListener("kiamms.bus"))
                .connectionListener(new ConnectionLogger(onReconnected))
                .build();
        return Nats.connect(options);
    }

    /** The broker URL for clients on this host; {@code password} null gives no credentials at all. */
    String brokerUrl(String password) {
        return BrokerAddress.url(settings.broker(), password == null ? null : BrokerCredentials.KIAM, password);
    }

    String natsServerVersion() {
        try {
            return "nats-server v" + new BrokerMonitor(settings.broker().monitorPort()).server().version();
        } catch (IOException e) {
            LOG.log(Level.FINE, "monitoring endpoint not answering", e);
            return paths.bundledNatsServer().map(NatsServerRecord::line).orElse("nats-server (version unknown)");
        }
    }

    private BrokerConfigWriter.Cluster cluster() {
        Settings.ClusterSettings c = settings.broker().cluster();
        return c == null ? null : new BrokerConfigWriter.Cluster(c.name(), c.listen(), c.routes(), c.user(), c.password());
    }

    private BrokerConfigWriter.Tls tls() {
        Settings.TlsSettings t = settings.broker().tls();
        if (t == null) {
            return null;
        }
        Path cert = config.resolve(t.cert(), paths.confDir());
        Path key = config.resolve(t.key(), paths.confDir());
        for (Path p : new Path[]{cert, key}) {
            if (!Files.isReadable(p)) {
                throw new KiamMsException(KiamMsException.CONFIG, "broker.tls: " + p + " is missing or not readable");
            }
        }
        return new BrokerConfigWriter.Tls(cert, key, t.ca().isEmpty() ? null : config.resolve(t.ca(), paths.confDir()));
    }

    /** Unique per host and port, as JetStream needs in a cluster. */
    private String serverName() {
        String configured = settings.broker().serverName();
        if (!configured.isEmpty()) {
            return configured;
        }
        return "kiam-ms-" + hostName().replaceAll("[^A-Za-z0-9-]", "-") + "-" + settings.broker().port();
    }

    static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** One log line per connection event instead of jnats' default stack traces. */
    private static final class ConnectionLogger implements ConnectionListener {
        private final Runnable onReconnected;

        ConnectionLogger(Runnable onReconnected) {
            this.onReconnected = onReconnected;
        }

        @Override
        public void connectionEvent(Connection conn, Events type) {
            switch (type) {
                case DISCONNECTED -> LOG.warning("disconnected from the broker; reconnecting");
                case RECONNECTED -> {
                    LOG.info("reconnected to the broker");
                    onReconnected.run();
                }
                case CLOSED -> LOG.fine("broker connection closed");
                default -> LOG.fine(() -> "broker connection: " + type);
            }
        }
    }
}
