package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.config.ConfigLoader;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.SecretFiles;
import dev.kiamms.app.config.YamlTree;
import dev.kiamms.app.config.Settings;
import dev.kiamms.app.registry.BuiltIns;
import dev.kiamms.app.registry.Registry;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.app.service.Registries;
import dev.kiamms.app.users.AppUsers;
import dev.kiamms.app.service.MailSetup;
import dev.kiamms.iplocation.GeoIpDatabase;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "config", description = "Work with the configuration file.", subcommands = ConfigCommand.Check.class,
        footer = {"", "Examples:", "  kiam-ms config check", "  kiam-ms config check /etc/kiam-ms/kiam-ms.yaml"})
public final class ConfigCommand {

    @Command(name = "check",
            description = "Check a configuration as 'start' would, without starting: keys and values, the GeoIP database, "
                    + "the mail templates and MTAs, the TLS files. Each problem is printed with its line.",
            footer = {"", "Exit codes: 0 the configuration is usable, 2 it has problems.",
                    "", "Examples:", "  kiam-ms config check", "  kiam-ms config check /etc/kiam-ms/kiam-ms.yaml --json"})
    static final class Check implements Callable<Integer> {

        @Parameters(paramLabel = "FILE", arity = "0..1", description = "The file to check (default: the --config file).")
        Path file;

        @Mixin
        InstanceOptions instance;

        @Mixin
        OutputOptions output;

        @Override
        public Integer call() throws IOException {
            InstancePaths paths = instance.paths();
            Path target = file != null ? file.toAbsolutePath().normalize() : paths.configFile();
            List<String> problems = new ArrayList<>();
            List<String> warnings = new ArrayList<>();
            LoadedConfig config = null;
            try {
                ConfigLoader.Outcome outcome = new ConfigLoader().read(target, true);
                config = outcome.config();
                problems.addAll(outcome.lines());
            } catch (KiamMsException e) {
                problems.add(e.getMessage());
            }
            if (config != null) {
                String text = Files.readString(target);
                checkFiles(config, paths, text, target, problems);
                warnings.addAll(SecretFiles.warnings(config, paths.confDir()));
                clusterSize(config.settings()).ifPresent(warnings::add);
            }
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("file", target.toString());
            j.put("ok", problems.isEmpty());
            j.put("problems", problems);
            j.put("warnings", warnings);
            List<String> text = new ArrayList<>(problems.isEmpty() ? List.of(target + ": configuration OK") : problems);
            // Warnings do not make the file unusable, so they leave the exit code alone.
            warnings.forEach(w -> text.add("warning: " + w));
            output.print(Result.of(j, text));
            return problems.isEmpty() ? 0 : KiamMsException.CONFIG;
        }

        /** What a cluster of this size keeps through the loss of a node, when that is less than everything. */
        static java.util.Optional<String> clusterSize(Settings s) {
            Settings.ClusterSettings c = s.broker().cluster();
            if (c == null || !s.broker().embedded()) {
                return java.util.Optional.empty();
            }
            int nodes = c.routes().size() + 1;
            if (nodes == 2) {
                return java.util.Optional.of("a cluster of 2 nodes keeps one copy of the audit stream: while the node holding it is down,"
                        + " audits wait in the other node's spool, and if its disk is lost they are gone; use 3 nodes (replicas: 3)");
            }
            if (s.broker().replicas() == 1 && nodes >= 3) {
                return java.util.Optional.of("broker.jetstream.replicas is 1 in a cluster of " + nodes
                        + " nodes: the audit stream lives on one node only; remove the key (default 3) to survive the loss of a node");
            }
            return java.util.Optional.empty();
        }

        private static void checkFiles(LoadedConfig config, InstancePaths paths, String text, Path file, List<String> problems) {
            Settings s = config.settings();
            if (!s.geoip().path().isEmpty()) {
                try (GeoIpDatabase db = GeoIpDatabase.open(config.resolve(s.geoip().path(), paths.confDir()))) {
                    db.type();
                } catch (IOException e) {
                    problems.add(at(file, text, "geoip.path") + e.getMessage());
                }
            }
            Registry registry = BuiltIns.registry();
            java.util.Set<String> templateNames = null; // null: not loaded, so routes' templates are not checked
            if (registry.needsMail(s)) {
                try {
                    dev.kiamms.mail.template.MailTemplates templates = MailSetup.templates(paths, config);
                    templateNames = templates.names();
                    PreviewCommand.problems(templates).forEach(problems::add);
                } catch (KiamMsException e) {
                    problems.add(at(file, text, "mail.template_dir") + e.getMessage());
                }
                try {
                    MailSetup.delivery(paths, s.mail()).close();
                } catch (KiamMsException e) {
                    problems.add(at(file, text, "mail.mtas") + e.getMessage());
                }
            }
            problems.addAll(Registries.problems(registry, config, templateNames));
            if (s.broker().embedded()) {
                try {
                    new AppUsers(paths.appUsersFile()).list();
                } catch (IOException e) {
                    problems.add(paths.appUsersFile() + ": " + e.getMessage());
                }
            }
            Settings.TlsSettings tls = s.broker().tls();
            if (tls != null) {
                for (String key : new String[]{"cert", "key", "ca"}) {
                    String value = switch (key) {
                        case "cert" -> tls.cert();
                        case "key" -> tls.key();
                        default -> tls.ca();
                    };
                    if (!value.isEmpty() && !Files.isReadable(config.resolve(value, paths.confDir()))) {
                        problems.add(at(file, text, "broker.tls." + key) + value + " is missing or not readable");
                    }
                }
            }
        }

        /** {@code FILE:LINE: key: }, the same form as the loader's problems. */
        private static String at(Path file, String text, String key) {
            int line = YamlTree.lineOf(text, key);
            return file + (line > 0 ? ":" + line : "") + ": " + key + ": ";
        }
    }
}
