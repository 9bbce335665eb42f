package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.app.service.MailSetup;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.mail.SendVerifyEmailHandler;
import dev.kiamms.mail.VerifyEmailRequest;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "verify-email",
        description = "Ask for a verification mail, as KrossIAM does when a user adds an address (action sendverifyemail).",
        footer = {"", "Without an SMTP server configured the mail is written to <data>/outbox as an .eml file; "
                + "the command says where the mail went (the .eml file, or the MTA), read from kiam-ms's log on this host.",
                "Subject and expiry text default to the locale's language where the templates have it (en, zh-cn).",
                "Exit codes: 0 sent (reply code 0), 4 a reply with another code, 3 broker unreachable, 1 no reply.",
                "", "Examples:", "  kiam-ms send-test verify-email --to someone@example.com",
                "  kiam-ms send-test verify-email --to 'Li Lei <lilei@example.com>' --locale zh-cn"})
public final class SendTestVerifyEmail implements Callable<Integer> {

    @Option(names = "--to", required = true, paramLabel = "ADDRESS", description = "Recipient, e.g. someone@example.com.")
    String to;

    @Option(names = "--locale", defaultValue = "en-us", description = "The user's language, e.g. en-us, zh-cn (default: ${DEFAULT-VALUE}).")
    String locale;

    @Option(names = "--subject", description = "Subject, before the configured prefix (default: in the locale's language, "
            + "e.g. 'Verify your e-mail address').")
    String subject;

    @Option(names = "--userid", defaultValue = "kiam-ms-test", description = "User name in the greeting (default: ${DEFAULT-VALUE}).")
    String userid;

    @Option(names = "--href", defaultValue = "https://iam.example.com/verify?token=kiam-ms-send-test",
            description = "Verification link (default: ${DEFAULT-VALUE}).")
    String href;

    @Option(names = "--expire", description = "When the link expires, as text (default: in the locale's language, e.g. 'in 30 minutes').")
    String expire;

    @Mixin
    InstanceOptions instance;

    @Mixin
    KrossIamConnection connection;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws InterruptedException {
        InstancePaths paths = instance.paths();
        LoadedConfig config = instance.loadConfig(paths);
        SendTestTexts.Texts texts = SendTestTexts.forLocale(locale, templateLocales(paths, config));
        try (KrossIamClient client = connection.connect(paths, config)) {
            ApplianceLog log = new ApplianceLog(paths.logDir(config).resolve("kiam-ms.0.log"));
            KrossIamClient.Exchange ex = client.request(SendVerifyEmailHandler.KEY,
                    new VerifyEmailRequest(subject != null ? subject : texts.verifySubject(), userid, to, href, locale,
                            expire != null ? expire : texts.expire()), connection.timeout(60));
            Map<String, Object> extra = new LinkedHashMap<>();
            if (ex.reply().isOk()) {
                extra.put("mail", whereItWent(log, ex.reqid()));
            }
            return ReplyPrinter.print(ex, output, extra);
        } catch (IOException e) {
            throw new KiamMsException(KiamMsException.FAILURE, e.getMessage());
        }
    }

    /**
     * The appliance logs "delivered via MTA (where)" before it replies, so the line is there or
     * nearly: a short wait covers the log handler. An appliance on another host (or one logging
     * elsewhere) leaves us only the reqid to look for.
     */
    private static String whereItWent(ApplianceLog log, String reqid) throws IOException, InterruptedException {
        String marker = " delivered via ";
        return log.await(reqid, line -> line.contains(marker), Duration.ofSeconds(2))
                .map(line -> line.substring(line.indexOf(marker) + marker.length()))
                .orElse("sent; where to is in kiam-ms's log under reqid=" + reqid + " (not found in " + log.file() + ")");
    }

    /** The template languages, to pick default texts in; none when the templates do not load (the appliance will say why). */
    private static Set<String> templateLocales(InstancePaths paths, LoadedConfig config) {
        try {
            return MailSetup.templates(paths, config).locales();
        } catch (RuntimeException e) {
            return Set.of();
        }
    }
}
