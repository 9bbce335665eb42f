package dev.kiamms.app.cli;

import picocli.CommandLine.Command;

@Command(name = "send-test",
        description = "Send a message to the running appliance exactly as KrossIAM does, and print what comes back.",
        subcommands = {SendTestIpLocation.class, SendTestVerifyEmail.class, SendTestAuditAddEmail.class})
public final class SendTestCommand {
}
