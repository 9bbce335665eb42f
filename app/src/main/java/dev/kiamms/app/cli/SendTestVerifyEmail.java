package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.mail.SendVerifyEmailHandler;
import dev.kiamms.mail.VerifyEmailRequest;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.concurrent.Callable;

@Command(name = "verify-email",
        description = "Ask for a verification mail, as KrossIAM does when a user adds an address (action sendverifyemail).",
        footer = {"", "Without an SMTP server configured the mail is written to <data>/outbox as an .eml file.",
                "Exit codes: 0 sent (reply code 0), 4 a reply with another code, 3 broker unreachable, 1 no reply.",
                "", "Examples:", "  kiam-ms send-test verify-email --to someone@example.com",
                "  kiam-ms send-test verify-email --to 'Li Lei <lilei@example.com>' --locale zh-cn"})
public final class SendTestVerifyEmail implements Callable<Integer> {

    @Option(names = "--to", required = true, paramLabel = "ADDRESS", description = "Recipient, e.g. someone@example.com.")
    String to;

    @Option(names = "--locale", defaultValue = "en-us", description = "The user's language, e.g. en-us, zh-cn (default: ${DEFAULT-VALUE}).")
    String locale;

    @Option(names = "--subject", defaultValue = "Verify your e-mail address", description = "Subject, before the configured prefix (default: ${DEFAULT-VALUE}).")
    String subject;

    @Option(names = "--userid", defaultValue = "kiam-ms-test", description = "User name in the greeting (default: ${DEFAULT-VALUE}).")
    String userid;

    @Option(names = "--href", defaultValue = "https://iam.example.com/verify?token=kiam-ms-send-test",
            description = "Verification link (default: ${DEFAULT-VALUE}).")
    String href;

    @Option(names = "--expire", defaultValue = "in 30 minutes", description = "When the link expires, as text (default: ${DEFAULT-VALUE}).")
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
        try (KrossIamClient client = connection.connect(paths, instance.loadConfig(paths))) {
            KrossIamClient.Exchange ex = client.request(SendVerifyEmailHandler.KEY,
                    new VerifyEmailRequest(subject, userid, to, href, locale, expire), connection.timeout(60));
            return ReplyPrinter.print(ex, output);
        } catch (IOException e) {
            throw new KiamMsException(KiamMsException.FAILURE, e.getMessage());
        }
    }
}
