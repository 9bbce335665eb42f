package dev.kiamms.app.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;

/**
 * Files that hold a secret (the configuration once it has an SMTP password, a MaxMind licence key
 * or a cluster password; the broker's TLS key) but that every user on the host may read. Said as
 * a warning, not refused: the appliance works, but someone else on the host could read the secret.
 * Only "others" count: the installed configuration is root:kiam-ms 0640 on purpose, so the group
 * is the service's own.
 */
public final class SecretFiles {

    private SecretFiles() {
    }

    /** One line per such file, each with the chmod that fixes it. */
    public static List<String> warnings(LoadedConfig config, Path confDir) {
        List<String> out = new ArrayList<>();
        Settings s = config.settings();
        if (config.source() != null) {
            List<String> held = new ArrayList<>();
            if (s.mail().mtas().stream().anyMatch(m -> m.passwd() != null && !m.passwd().isEmpty())) {
                held.add("SMTP passwords (mail.mtas)");
            }
            if (!s.geoip().licenseKey().isEmpty()) {
                held.add("the MaxMind licence key (geoip.license_key)");
            }
            if (s.broker().cluster() != null && !s.broker().cluster().password().isEmpty()) {
                held.add("the cluster password (broker.cluster.password)");
            }
            if (!held.isEmpty()) {
                check(config.source(), String.join(" and ", held), out);
            }
        }
        Settings.TlsSettings tls = s.broker().tls();
        if (tls != null && !tls.key().isEmpty()) {
            check(config.resolve(tls.key(), confDir), "the broker's TLS private key (broker.tls.key)", out);
        }
        return out;
    }

    private static void check(Path file, String holds, List<String> out) {
        try {
            if (Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ)) {
                out.add(file + " holds " + holds + " but every user on this host may read it; run: chmod o-r " + file);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Missing or unreadable: config check and start report that on their own.
        }
    }
}
