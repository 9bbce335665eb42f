package dev.kiamms.app.cli;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.Settings;
import dev.kiamms.app.service.BrokerAddress;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.app.service.MailSetup;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an appliance's things are, read from its configuration and data directory alone, so that
 * {@code status} can orient a newcomer whether or not the appliance runs: the configuration file,
 * the data and log folders, the broker URL (password masked), the health and metrics URLs, and
 * where mail goes now.
 */
record Whereabouts(String config, String data, String logs, String broker, String health, String metrics,
                   String mailMode, String mail, List<String> mtas, String outbox) {

    static Whereabouts of(InstancePaths paths, LoadedConfig config) {
        Settings s = config.settings();
        Settings.BrokerSettings b = s.broker();
        String broker = b.embedded()
                ? BrokerAddress.url(b, BrokerCredentials.KIAM, BrokerAddress.MASK)
                : String.join(", ", s.brokers().stream().map(BrokerAddress::mask).toList());
        int port = s.health().port();
        String health = port == 0 ? null : "http://127.0.0.1:" + port + "/healthz";
        String metrics = port == 0 ? null : "http://127.0.0.1:" + port + "/metrics";
        List<String> mtas = s.mail().mtas().stream().map(m -> m.name() + " (" + m.host() + ":" + m.port() + ")").toList();
        String outbox = MailSetup.outboxDir(paths).toString();
        String mail;
        String mode;
        if (mtas.isEmpty()) {
            mode = "outbox";
            mail = "outbox " + outbox + " (no mail.mtas configured: nothing is sent)";
        } else {
            mode = "mtas";
            String preferred = s.mail().preferredMta();
            mail = "MTAs " + String.join(", ", mtas)
                    + (preferred == null || preferred.isEmpty() ? "" : ", preferred " + preferred);
        }
        return new Whereabouts(config.describeSource(), paths.dataDir().toString(), paths.logDir(config).toString(),
                broker, health, metrics, mode, mail, mtas, mtas.isEmpty() ? outbox : null);
    }

    /** The text rows, in the order a newcomer looks for them. */
    Map<String, String> rows() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("config", config);
        r.put("data", data);
        r.put("logs", logs);
        r.put("health", health == null ? "off (health.port: 0)" : health);
        r.put("metrics", metrics == null ? "off (health.port: 0)" : metrics);
        r.put("mail", mail);
        return r;
    }

    /** The JSON fields; {@code broker} is left to the caller, which knows whether the appliance runs. */
    void putJson(Map<String, Object> j) {
        j.put("config", config);
        j.put("data", data);
        j.put("logs", logs);
        j.put("brokerUrl", broker);
        j.put("health", health);
        j.put("metrics", metrics);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", mailMode);
        m.put("mtas", mtas);
        m.put("outbox", outbox);
        j.put("mail", m);
    }
}
