package dev.kiamms.app.service;

import dev.kiamms.app.config.Settings;

import java.util.logging.Logger;

/** Keys of the reference server's mss.yaml that load but mean nothing here: said once at start. */
final class IgnoredKeys {

    private static final Logger LOG = Logger.getLogger("kiamms.appliance");

    private IgnoredKeys() {
    }

    static void warn(Settings settings) {
        if (settings.broker().embedded() && !settings.brokers().isEmpty()) {
            LOG.warning("brokers " + settings.brokers().size() + " URL(s) ignored: kiam-ms runs its own broker (broker.*)");
        }
        Settings.LogSettings log = settings.log();
        if (log.airbrakePid() != null || log.airbrakeKey() != null || log.airbrake() != null) {
            LOG.warning("log.airbrake* ignored: kiam-ms does not report to Airbrake");
        }
    }
}
