package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.broker.BrokerTls;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.Settings;
import dev.kiamms.app.service.BrokerAddress;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.bus.QuietErrorListener;

import picocli.CommandLine.Option;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.io.IOException;

import javax.net.ssl.SSLContext;

/** Options and connection for commands that talk to the broker as KrossIAM (user {@code kiam}). */
public final class KrossIamConnection {

    @Option(names = "--url", paramLabel = "URL",
            description = "Broker URL with credentials, e.g. nats://kiam:PASSWORD@host:4222 (default: this appliance's broker as user kiam).")
    String url;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "How long to wait for the answer (default: 10 for iplocation, 60 for mail, as KrossIAM waits).")
    Integer timeoutSeconds;

    java.time.Duration timeout(int defaultSeconds) {
        return java.time.Duration.ofSeconds(timeoutSeconds != null ? timeoutSeconds : defaultSeconds);
    }

    /**
     * Connects as KrossIAM: to {@code --url} as given, or to this appliance's broker as user
     * {@code kiam}, trusting its TLS certificate when it serves TLS.
     */
    KrossIamClient connect(InstancePaths paths, LoadedConfig config) {
        if (url != null) {
            return connect(url, null);
        }
        return connect(applianceUrl(paths, config, BrokerCredentials.KIAM, "KrossIAM's"), applianceTls(paths, config));
    }

    /**
     * The URL of this appliance's broker with the password of one of kiam-ms's own users.
     *
     * @param whose whose credentials {@code --url} must carry on an external broker, for the error message
     */
    static String applianceUrl(InstancePaths paths, LoadedConfig config, String user, String whose) {
        if (!config.settings().broker().embedded()) {
            throw new KiamMsException(KiamMsException.CONFIG, "kiam-ms uses an external broker (broker.embedded: false); "
                    + "give its URL with " + whose + " credentials: --url nats://user:password@host:4222");
        }
        try {
            String password = BrokerCredentials.read(paths.credentialsFile()).password(user);
            return BrokerAddress.url(config.settings().broker(), user, password);
        } catch (IOException | IllegalArgumentException e) {
            throw new KiamMsException(KiamMsException.FAILURE, "cannot read the broker credentials: " + e.getMessage()
                    + "; start kiam-ms once (it creates them)");
        }
    }

    /** Trust for this appliance's TLS certificate; null when its broker speaks plain NATS. */
    static SSLContext applianceTls(InstancePaths paths, LoadedConfig config) {
        Settings.TlsSettings tls = config.settings().broker().tls();
        return tls == null ? null : BrokerTls.trusting(config.resolve(tls.trustFile(), paths.confDir()));
    }

    private static KrossIamClient connect(String url, SSLContext tls) {
        Options.Builder options = KrossIamClient.options(url).maxReconnects(0);
        if (tls != null) {
            options.sslContext(tls);
        }
        return explained(url, () -> KrossIamClient.connect(options.build()));
    }

    interface Connect<T> {
        T open() throws IOException, InterruptedException;
    }

    /** What a command does with kiam-ms's own connection; a JetStream error is the caller's to explain. */
    interface AsKiamMs<T> {
        T use(Connection connection) throws IOException, InterruptedException, JetStreamApiException;
    }

    /**
     * Runs {@code use} on a connection as kiam-ms's own broker user, which may read what kiam-ms
     * keeps in JetStream (KrossIAM's user may not): from the credentials file with the embedded
     * broker, else through the configured {@code brokers:} URLs.
     *
     * @param onJetStreamError turns a JetStream refusal into the command's one-line error
     */
    static <T> T asKiamMs(InstancePaths paths, LoadedConfig config, AsKiamMs<T> use,
                          java.util.function.Function<JetStreamApiException, KiamMsException> onJetStreamError) {
        Options.Builder options = new Options.Builder().maxReconnects(0).connectionTimeout(java.time.Duration.ofSeconds(5))
                .errorListener(new QuietErrorListener("kiamms.cli"));
        String url;
        if (config.settings().broker().embedded()) {
            url = applianceUrl(paths, config, BrokerCredentials.MSS, "kiam-ms's");
            options.server(url);
            SSLContext tls = applianceTls(paths, config);
            if (tls != null) {
                options.sslContext(tls);
            }
        } else {
            if (config.settings().brokers().isEmpty()) {
                throw new KiamMsException(KiamMsException.CONFIG, "broker.embedded: false needs the NATS servers in brokers: "
                        + "[nats://user:password@host:4222, ...]");
            }
            url = config.settings().brokers().get(0);
            options.servers(config.settings().brokers().toArray(String[]::new));
        }
        return explained(url, () -> {
            try (Connection nc = Nats.connect(options.build())) {
                return use.use(nc);
            } catch (JetStreamApiException e) {
                throw onJetStreamError.apply(e);
            }
        });
    }

    /** Opens a connection to {@code url}; a failure becomes one line that says what to check. */
    static <T> T explained(String url, Connect<T> connect) {
        try {
            return connect.open();
        } catch (IOException e) {
            throw new KiamMsException(KiamMsException.NOT_RUNNING, "cannot connect to the broker at " + BrokerAddress.mask(url) + ": "
                    + e.getMessage() + "; is kiam-ms running ('kiam-ms status')?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KiamMsException(KiamMsException.FAILURE, "interrupted");
        }
    }
}
