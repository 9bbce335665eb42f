package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.Settings;
import dev.kiamms.app.geoip.GeoIpUpdater;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.app.service.ReloadRequest;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "geoip", description = "Look after the GeoIP database.", subcommands = GeoipCommand.Update.class,
        footer = {"", "Examples:", "  kiam-ms geoip update", "  kiam-ms status   # shows the database's build date and age"})
public final class GeoipCommand {

    @Command(name = "update",
            description = "Download a fresh MaxMind database (geoip.edition) with geoip.account_id and geoip.license_key, "
                    + "check it, put it over geoip.path in one atomic rename, and make a running appliance reload.",
            footer = {"", "The SHA-256 MaxMind publishes is checked; a download that does not match, does not open or is "
                    + "of another edition leaves the old file untouched.",
                    "Exit codes: 0 updated, 1 download or check failed, 2 configuration missing.",
                    "", "Examples:", "  kiam-ms geoip update", "  kiam-ms geoip update --json --config /etc/kiam-ms/kiam-ms.yaml"})
    static final class Update implements Callable<Integer> {

        @Mixin
        InstanceOptions instance;

        @Mixin
        OutputOptions output;

        @Override
        public Integer call() throws Exception {
            InstancePaths paths = instance.paths();
            LoadedConfig config = instance.loadConfig(paths);
            Settings.GeoIpSettings s = config.settings().geoip();
            Path target = s.path().isEmpty() ? null : config.resolve(s.path(), paths.confDir());
            GeoIpUpdater.Result r = new GeoIpUpdater(s, target == null ? Path.of("") : target).update();

            Map<String, Object> j = new LinkedHashMap<>();
            j.put("file", r.file().toString());
            j.put("edition", s.edition());
            j.put("oldType", r.oldType());
            j.put("oldBuilt", r.oldBuilt() == null ? null : r.oldBuilt().toString());
            j.put("newType", r.newType());
            j.put("newBuilt", r.newBuilt().toString());
            j.put("checksumVerified", r.checksumVerified());

            String reloadLine;
            int exit = 0;
            if (!ReloadRequest.running(paths)) {
                j.put("running", false);
                reloadLine = "kiam-ms is not running; the new database is used at the next start";
            } else {
                j.put("running", true);
                String said;
                boolean applied;
                try {
                    ReloadRequest.Outcome outcome = ReloadRequest.send(paths);
                    said = outcome.message();
                    applied = outcome.applied();
                } catch (KiamMsException e) {
                    said = e.getMessage();
                    applied = false;
                }
                reloadLine = said;
                j.put("reloaded", applied);
                j.put("reload", said);
                if (!applied) {
                    reloadLine = "the database was replaced but the reload failed: " + said + " (run 'kiam-ms reload')";
                    exit = KiamMsException.FAILURE;
                }
            }
            output.print(Result.of(j, "GeoIP database " + r.file() + " updated: "
                    + (r.oldType() == null ? "none" : r.oldType() + " built " + day(r.oldBuilt()))
                    + " \u2192 " + r.newType() + " built " + day(r.newBuilt())
                    + (r.checksumVerified() ? " (SHA-256 checked)" : " (the server offered no SHA-256)"),
                    reloadLine));
            return exit;
        }

        private static LocalDate day(Instant t) {
            return LocalDate.ofInstant(t, ZoneOffset.UTC);
        }
    }
}
