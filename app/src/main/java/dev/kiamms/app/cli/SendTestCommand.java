package dev.kiamms.app.cli;

import picocli.CommandLine.Command;

@Command(name = "send-test",
        description = "Send a message to the running appliance exactly as KrossIAM does, and print what comes back.",
        subcommands = {SendTestIpLocation.class, SendTestVerifyEmail.class, SendTestAuditAddEmail.class},
        footer = {"", "Examples:", "  kiam-ms send-test iplocation 81.2.69.142",
                "  kiam-ms send-test verify-email --to someone@example.com",
                "  kiam-ms send-test audit-add-email --mailto a@example.com,b@example.com"})
public final class SendTestCommand {
}
