package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.mail.AccountAddEmailAudit;
import dev.kiamms.route.Routes;
import dev.kiamms.protocol.Subjects;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "audit-add-email",
        description = "Publish the accountaddemail audit, as KrossIAM does when an address is added to an account, "
                + "and report from kiam-ms's log where the mail went.",
        footer = {"", "An audit has no reply: this command reads the appliance's log (on this host) for the audit's reqid.",
                "Exit codes: 0 delivered, 1 failed or no word within the timeout, 3 broker unreachable.",
                "", "Examples:", "  kiam-ms send-test audit-add-email --mailto old@example.com,other@example.com",
                "  kiam-ms send-test audit-add-email --mailto old@example.com --newemail new@example.com --locale zh-cn"})
public final class SendTestAuditAddEmail implements Callable<Integer> {

    @Option(names = "--mailto", required = true, split = ",", paramLabel = "ADDRESS",
            description = "Addresses to tell, comma-separated: the first valid one is To, the others Cc.")
    List<String> mailto;

    @Option(names = "--newemail", defaultValue = "new-address@example.com", description = "The address that was added (default: ${DEFAULT-VALUE}).")
    String newemail;

    @Option(names = "--userid", defaultValue = "kiam-ms-test", description = "User name in the greeting (default: ${DEFAULT-VALUE}).")
    String userid;

    @Option(names = "--httpurl", defaultValue = "https://iam.example.com", description = "KrossIAM's web address (default: ${DEFAULT-VALUE}).")
    String httpurl;

    @Option(names = "--locale", defaultValue = "en-us", description = "The user's language (default: ${DEFAULT-VALUE}).")
    String locale;

    @Option(names = "--subject",
            description = "Subject, before the configured prefix (default: in the locale's language where the templates have it, "
                    + "e.g. 'A new e-mail address was added to your account').")
    String subject;

    @Mixin
    InstanceOptions instance;

    @Mixin
    KrossIamConnection connection;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws Exception {
        InstancePaths paths = instance.paths();
        LoadedConfig config = instance.loadConfig(paths);
        ApplianceLog log = new ApplianceLog(paths.logDir(config).resolve("kiam-ms.0.log"));
        String reqid;
        try (KrossIamClient client = connection.connect(paths, config)) {
            reqid = client.publish(Subjects.audit(Routes.ACCOUNT_ADD_EMAIL),
                    new AccountAddEmailAudit(newemail, userid, httpurl, locale, mailto, subject != null ? subject
                            : SendTestTexts.forLocale(locale, templateLocales(paths, config)).auditSubject()));
            client.flush(Duration.ofSeconds(5));
        }
        Optional<String> outcome = log.await(reqid, line -> line.contains(" delivered via ") || line.contains(" failed")
                || line.contains(" dropped"), connection.timeout(60));
        boolean delivered = outcome.map(l -> l.contains(" delivered via ")).orElse(false);
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("reqid", reqid);
        j.put("delivered", delivered);
        j.put("log", outcome.orElse(null));
        output.print(Result.of(j, "published " + Subjects.audit(Routes.ACCOUNT_ADD_EMAIL) + " reqid " + reqid,
                outcome.orElse("no word from kiam-ms about it within " + connection.timeout(60).toSeconds()
                        + " s; see " + log.file())));
        return delivered ? 0 : KiamMsException.FAILURE;
    }

    private static java.util.Set<String> templateLocales(InstancePaths paths, LoadedConfig config) {
        try {
            return dev.kiamms.app.service.MailSetup.templates(paths, config).locales();
        } catch (RuntimeException e) {
            return java.util.Set.of();
        }
    }
}
