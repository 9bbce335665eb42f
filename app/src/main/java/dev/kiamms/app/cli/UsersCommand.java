package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.service.BrokerAddress;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.app.service.ReloadRequest;
import dev.kiamms.app.users.AppRole;
import dev.kiamms.app.users.AppUser;
import dev.kiamms.app.users.AppUsers;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.kiamms.files.OwnerOnlyFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "users",
        description = "Broker users for your own apps (an SMS sender, a log shipper, an app that answers an action instead of kiam-ms), "
                + "each allowed only what its roles say.",
        subcommands = {UsersCommand.Add.class, UsersCommand.ListUsers.class, UsersCommand.Remove.class},
        footer = {"", "Roles:",
                "  notice-reader     receive kiam.console.notice.>",
                "  audit-reader      receive kiam.console.audit.> (sensitive: e-mail addresses)",
                "  log-reader        receive kiam.console.log",
                "  action:KEY        answer kiam.console.action.KEY in kiam-ms's queue group (switch the action off in kiam-ms to hand it over)",
                "  service-monitor   ask kiam-ms's NATS micro-service API ($SRV.PING, .INFO, .STATS); set the client's inbox prefix to _SRV_INBOX",
                "No role may publish as KrossIAM or read any reply inbox. A running broker takes each change at once, without dropping connections.",
                "", "Examples:", "  kiam-ms users add sms-sender --allow notice-reader", "  kiam-ms users add geo-app --allow action:iplocation",
                "  kiam-ms users list", "  kiam-ms users remove sms-sender"})
public final class UsersCommand {

    @Command(name = "add", description = "Create an app user with a generated password, shown only this once, and let the running broker accept it.",
            footer = {"", "The password is printed as soon as the user is saved, before the running",
                    "kiam-ms is asked to reload. If that reload fails or gets no answer, the user",
                    "IS saved: stderr says so in one line and the exit code is 1; fix the cause",
                    "and run 'kiam-ms reload'. With --json, stdout is one JSON document either way.",
                    "", "Examples:", "  kiam-ms users add sms-sender --allow notice-reader",
                    "  kiam-ms users add audit-archive --allow audit-reader,log-reader --json",
                    "  kiam-ms users add geo-app --allow action:iplocation --env-file /etc/geo-app/nats.env"})
    static final class Add implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "User name: letters, digits, '.', '_' or '-'.")
        String name;

        @Option(names = "--allow", paramLabel = "ROLE", split = ",", required = true,
                description = "Roles, repeated or comma-separated: " + AppRole.CHOICES + ".")
        List<String> roles = new ArrayList<>();

        @Option(names = "--env-file", paramLabel = "FILE",
                description = "Also write NATS_URL=<the app's URL with its password> to FILE, owner-only, for the app to read "
                        + "(e.g. systemd's EnvironmentFile=). FILE must not exist yet.")
        Path envFile;

        @Mixin
        InstanceOptions instance;

        @Mixin
        OutputOptions output;

        @Override
        public Integer call() throws Exception {
            InstancePaths paths = instance.paths();
            LoadedConfig config = managedBroker(instance, paths);
            if (envFile != null && Files.exists(envFile)) {
                throw new KiamMsException(KiamMsException.CONFIG, envFile + " exists already; name a new file for --env-file");
            }
            List<AppRole> parsed = new ArrayList<>();
            for (String r : roles) {
                parsed.add(parse(() -> AppRole.parse(r)));
            }
            AppUsers users = new AppUsers(paths.appUsersFile());
            AppUser user = parse(() -> users.add(name, parsed));
            String url = BrokerAddress.url(config.settings().broker(), user.name(), user.password());
            boolean running = ReloadRequest.running(paths);
            showOnce(users, user, url, running);
            // The password has been shown: from here on nothing undoes the user, and no failure may
            // end the command before it has said that the user is saved.
            if (!running) {
                if (!output.json()) {
                    output.out().println(NOT_RUNNING);
                    output.out().flush();
                }
                return 0;
            }
            String failure;
            try {
                Applied applied = apply(paths);
                if (!applied.failed()) {
                    if (!output.json()) {
                        output.out().println(applied.message());
                        output.out().flush();
                    }
                    return 0;
                }
                failure = applied.reason();
            } catch (KiamMsException | IOException e) {
                failure = e.getMessage();
            }
            output.err().println("kiam-ms: app user " + user.name() + " IS saved and its password is shown above, but the running "
                    + "broker has not taken it yet (" + failure + "); fix that and run 'kiam-ms reload', or restart kiam-ms");
            return KiamMsException.FAILURE;
        }

        /**
         * Writes the env file and prints the password, right after the user is saved and before
         * the running appliance is asked to reload (which may hang or fail, or be interrupted). A
         * password that cannot be shown leaves no user behind.
         */
        private void showOnce(AppUsers users, AppUser user, String url, boolean running) throws IOException {
            boolean wroteEnvFile = false;
            try {
                if (envFile != null) {
                    OwnerOnlyFiles.write(envFile.toAbsolutePath(), ("NATS_URL=" + url + "\n").getBytes(StandardCharsets.UTF_8));
                    wroteEnvFile = true;
                }
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("name", user.name());
                out.put("roles", user.roleNames());
                out.put("password", user.password());
                out.put("url", url);
                out.put("envFile", envFile == null ? null : envFile.toString());
                out.put("running", running);
                out.put("message", running ? "the running broker is asked to take the user: exit code 0 means it has, "
                        + "otherwise the reason is on stderr" : NOT_RUNNING);
                output.print(Result.of(out,
                        "app user " + user.name() + " created with roles " + String.join(", ", user.roleNames()),
                        "password: " + user.password(),
                        "URL for the app: " + url + (envFile == null ? "" : " (also in " + envFile + ", owner-only)"),
                        "Keep the password now: kiam-ms does not show it again (to change it, remove the user and add it again)."));
                // PrintWriter swallows write errors (a closed stdout, a full disk): ask it.
                if (output.out().checkError()) {
                    throw new IOException("cannot write to standard output");
                }
            } catch (IOException | RuntimeException e) {
                String undo;
                try {
                    users.remove(user.name());
                    if (wroteEnvFile) {
                        Files.deleteIfExists(envFile.toAbsolutePath());
                    }
                    undo = "the user was not kept, run the command again";
                } catch (IOException removing) {
                    undo = "removing the user failed too (" + removing.getMessage() + "): run 'kiam-ms users remove "
                            + user.name() + "' and add it again";
                }
                throw new KiamMsException(KiamMsException.FAILURE, "cannot show the password of app user " + user.name() + ": "
                        + e.getMessage() + "; " + undo);
            }
        }
    }

    @Command(name = "list", description = "List the app users and their roles (never their passwords).",
            footer = {"", "Examples:", "  kiam-ms users list", "  kiam-ms users list --json"})
    static final class ListUsers implements Callable<Integer> {
        @Mixin
        InstanceOptions instance;

        @Mixin
        OutputOptions output;

        @Override
        public Integer call() throws IOException {
            InstancePaths paths = instance.paths();
            List<AppUser> users = new AppUsers(paths.appUsersFile()).list();
            List<Map<String, Object>> rows = new ArrayList<>();
            int width = users.stream().mapToInt(u -> u.name().length()).max().orElse(4);
            String columns = "%-" + width + "s  %-20s  %s";
            List<String> text = new ArrayList<>();
            text.add(users.isEmpty() ? "no app users; add one with: kiam-ms users add NAME --allow ROLE"
                    : String.format(columns, "NAME", "CREATED", "ROLES"));
            for (AppUser u : users) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("name", u.name());
                r.put("roles", u.roleNames());
                r.put("created", u.created());
                rows.add(r);
                text.add(String.format(columns, u.name(), u.created(), String.join(", ", u.roleNames())));
            }
            output.print(Result.of(rows, text));
            return 0;
        }
    }

    @Command(name = "remove", description = "Delete an app user; the running broker closes its connections at once.",
            footer = {"", "Examples:", "  kiam-ms users remove sms-sender"})
    static final class Remove implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "The user to delete (see 'kiam-ms users list').")
        String name;

        @Mixin
        InstanceOptions instance;

        @Mixin
        OutputOptions output;

        @Override
        public Integer call() throws Exception {
            InstancePaths paths = instance.paths();
            managedBroker(instance, paths);
            if (!new AppUsers(paths.appUsersFile()).remove(name)) {
                throw new KiamMsException(KiamMsException.FAILURE, "there is no app user " + name + "; see 'kiam-ms users list'");
            }
            Applied applied = apply(paths);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("name", name);
            out.put("removed", true);
            out.put("applied", applied.now());
            out.put("message", applied.message());
            output.print(Result.of(out, "app user " + name + " removed", applied.message()));
            return applied.failed() ? KiamMsException.FAILURE : 0;
        }
    }

    private static final String NOT_RUNNING = "kiam-ms is not running: the broker takes the change at the next 'kiam-ms start'";

    /**
     * Whether a running broker took the change now; {@code failed} when it was running and refused
     * it, for the {@code reason} the appliance gave.
     */
    private record Applied(boolean now, boolean failed, String message, String reason) {
        Applied(boolean now, String message) {
            this(now, false, message, "");
        }
    }

    /** Has a running appliance reload, so that its broker takes the users file as it is now. */
    private static Applied apply(InstancePaths paths) throws IOException, InterruptedException {
        if (!ReloadRequest.running(paths)) {
            return new Applied(false, NOT_RUNNING);
        }
        ReloadRequest.Outcome outcome = ReloadRequest.send(paths);
        if (outcome.record().path("brokerUsers").asText().equals("failed")) {
            return new Applied(false, true, "the change is saved but the running broker did not take it: " + outcome.message(),
                    outcome.message());
        }
        return new Applied(true, "the running broker has taken the change; other connections were left open");
    }

    /** App users exist only on the broker kiam-ms runs itself. */
    private static LoadedConfig managedBroker(InstanceOptions instance, InstancePaths paths) {
        LoadedConfig config = instance.loadConfig(paths);
        if (!config.settings().broker().embedded()) {
            throw new KiamMsException(KiamMsException.CONFIG, "kiam-ms does not run the broker here (broker.embedded: false); "
                    + "create app users on your own NATS servers instead");
        }
        return config;
    }

    private interface Parse<T> {
        T get() throws IOException;
    }

    /** A bad name or role is a usage error (exit 2) with the reason in one line. */
    private static <T> T parse(Parse<T> step) throws IOException {
        try {
            return step.get();
        } catch (IllegalArgumentException e) {
            throw new KiamMsException(KiamMsException.CONFIG, e.getMessage());
        }
    }
}
