package dev.kiamms.app.service;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.Settings;
import dev.kiamms.mail.delivery.AttemptLog;
import dev.kiamms.mail.delivery.MailDelivery;
import dev.kiamms.mail.delivery.MtaBreaker;
import dev.kiamms.mail.delivery.MtaConfig;
import dev.kiamms.mail.delivery.SmtpTimeouts;
import dev.kiamms.mail.template.MailTemplates;
import dev.kiamms.metrics.StatsTracker;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Turns the {@code mail} settings into the templates and the delivery the mail handlers use. */
public final class MailSetup {

    private MailSetup() {
    }

    public static Path templateDir(InstancePaths paths, LoadedConfig config) {
        String dir = config.settings().mail().templateDir();
        return dir.isEmpty() ? paths.confDir().resolve("templates") : config.resolve(dir, paths.confDir());
    }

    public static Path outboxDir(InstancePaths paths) {
        return paths.dataDir().resolve("outbox");
    }

    public static MailTemplates templates(InstancePaths paths, LoadedConfig config) {
        Path dir = templateDir(paths, config);
        try {
            return MailTemplates.load(dir);
        } catch (IOException e) {
            throw new KiamMsException(KiamMsException.CONFIG, e.getMessage() + "; check mail.template_dir or the files in " + dir);
        }
    }

    /** A delivery that reports to no tracker: for checking a configuration, never for sending. */
    public static MailDelivery delivery(InstancePaths paths, Settings.MailSettings mail) {
        return delivery(paths, mail, AttemptLog.NONE, StatsTracker.NONE);
    }

    /**
     * As {@link #delivery(InstancePaths, Settings.MailSettings)}, recording every attempt in {@code attempts}.
     *
     * @param stats where its MTA attempts are counted: the appliance's tracker, kept across reloads
     */
    public static MailDelivery delivery(InstancePaths paths, Settings.MailSettings mail, AttemptLog attempts, StatsTracker stats) {
        List<MtaConfig> mtas = mail.mtas().stream()
                .map(m -> new MtaConfig(m.name(), m.host(), m.port(), m.ssl(), m.sender(), m.replyto(), m.cc(), m.bcc(),
                        m.user(), m.passwd()))
                .toList();
        Settings.MailTimeouts t = mail.timeouts();
        SmtpTimeouts timeouts = new SmtpTimeouts(Duration.ofSeconds(t.connect()), Duration.ofSeconds(t.read()),
                Duration.ofSeconds(t.write()));
        try {
            Settings.CircuitBreakerSettings b = mail.circuitBreaker();
            MtaBreaker.Policy breaker = new MtaBreaker.Policy(b.failures(), Duration.ofSeconds(b.coolDownSeconds()));
            return new MailDelivery(mtas, mail.preferredMta(), timeouts, outboxDir(paths), Map.of(), breaker, attempts, stats);
        } catch (IllegalArgumentException e) {
            throw new KiamMsException(KiamMsException.CONFIG, e.getMessage() + "; fix it in the configuration");
        }
    }
}
