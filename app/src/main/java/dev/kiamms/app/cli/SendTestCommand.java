package dev.kiamms.app.cli;

import dev.kiamms.app.registry.Registry;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Its subcommands are the send-tests of the registered actions and events, added by {@link #addSubcommands}. */
@Command(name = "send-test",
        description = "Send a message to the running appliance exactly as KrossIAM does, and print what comes back.",
        footer = {"", "Examples:", "  kiam-ms send-test iplocation 81.2.69.142",
                "  kiam-ms send-test verify-email --to someone@example.com",
                "  kiam-ms send-test audit-add-email --mailto a@example.com,b@example.com"})
public final class SendTestCommand {

    /** @param sendTest this command's own command line, inside the program's */
    public static void addSubcommands(CommandLine sendTest, Registry registry) {
        registry.sendTests().forEach(sendTest::addSubcommand);
    }
}
