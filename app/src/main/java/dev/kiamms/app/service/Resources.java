package dev.kiamms.app.service;

import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.Settings;
import dev.kiamms.iplocation.GeoIpDatabase;
import dev.kiamms.mail.MailComposer;
import dev.kiamms.mail.delivery.AttemptLog;
import dev.kiamms.mail.delivery.MailDelivery;
import dev.kiamms.mail.template.MailTemplates;
import dev.kiamms.metrics.StatsTracker;

import java.io.IOException;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * Everything the handlers read per message that comes from the configuration: the GeoIP database,
 * the mail templates and the MTAs. Built whole from one configuration and swapped whole on
 * reload, so a message never sees half of an old configuration and half of a new one.
 *
 * @param geoip     {@code null} when geoip.path is empty
 * @param composer  {@code null} when no mail handler is switched on (see {@code Registry.needsMail})
 * @param delivery  {@code null} when no mail handler is switched on
 */
public record Resources(LoadedConfig config, GeoIpDatabase geoip, MailComposer composer, MailDelivery delivery) {

    private static final Logger LOG = Logger.getLogger("kiamms.appliance");

    Settings settings() {
        return config.settings();
    }

    /**
     * @param needsMail whether a switched-on handler sends mail: only then are templates and MTAs loaded
     * @param attempts  where the mail delivery records its attempts
     * @param stats     where the mail delivery reports its attempts
     * @throws IOException or KiamMsException with one line naming what is wrong
     */
    static Resources load(InstancePaths paths, LoadedConfig config, boolean needsMail, AttemptLog attempts, StatsTracker stats)
            throws IOException {
        Settings settings = config.settings();
        GeoIpDatabase geoip = null;
        String geoPath = settings.geoip().path();
        if (geoPath.isEmpty()) {
            LOG.warning("no GeoIP database configured (geoip.path): iplocation will answer with an error");
        } else {
            Path file = config.resolve(geoPath, paths.confDir());
            geoip = GeoIpDatabase.open(file);
            GeoIpDatabase db = geoip;
            LOG.info(() -> "GeoIP database " + db.path() + " (" + db.type() + ", built " + db.buildTime() + ")");
        }
        if (!needsMail) {
            return new Resources(config, geoip, null, null);
        }
        try {
            MailTemplates templates = MailSetup.templates(paths, config);
            MailDelivery delivery = MailSetup.delivery(paths, settings.mail(), attempts, stats);
            if (delivery.usesOutbox()) {
                LOG.warning("no SMTP server configured (mail.mtas): mails are written to " + MailSetup.outboxDir(paths)
                        + " instead of being sent");
            }
            LOG.info(() -> "mail templates from " + templates.dir() + " (locales: default"
                    + (templates.locales().isEmpty() ? "" : ", " + String.join(", ", templates.locales())) + "); MTAs: "
                    + (delivery.usesOutbox() ? "outbox" : String.join(", ", delivery.mtaOrder())));
            return new Resources(config, geoip, new MailComposer(() -> templates, settings.mail().subjectPrefix()), delivery);
        } catch (RuntimeException e) {
            if (geoip != null) {
                geoip.close();
            }
            throw e;
        }
    }

    /** The loaded template folder's names; null when no mail handler is on (templates not loaded). */
    java.util.Set<String> templateNames() {
        return composer == null ? null : composer.templates().names();
    }

    void close() {
        if (delivery != null) {
            delivery.close();
        }
        if (geoip != null) {
            try {
                geoip.close();
            } catch (IOException ignored) {
                // a read-only memory map: nothing to lose
            }
        }
    }
}
