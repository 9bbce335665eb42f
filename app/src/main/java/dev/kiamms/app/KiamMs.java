package dev.kiamms.app;

import dev.kiamms.app.cli.CompletionCommand;
import dev.kiamms.app.cli.ConfigCommand;
import dev.kiamms.app.cli.DeadLettersCommand;
import dev.kiamms.app.cli.DeliveriesCommand;
import dev.kiamms.app.cli.PreviewCommand;
import dev.kiamms.app.cli.GeoipCommand;
import dev.kiamms.app.cli.KiamConfigCommand;
import dev.kiamms.app.cli.ReloadCommand;
import dev.kiamms.app.cli.SendTestCommand;
import dev.kiamms.app.cli.StartCommand;
import dev.kiamms.app.cli.StatusCommand;
import dev.kiamms.app.cli.TailCommand;
import dev.kiamms.app.cli.UsersCommand;
import dev.kiamms.app.cli.VersionCommand;
import dev.kiamms.app.logging.DeferredResetLogManager;
import dev.kiamms.app.logging.LogSetup;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code kiam-ms} launcher: picocli commands over the appliance's services. */
// scope INHERIT: every subcommand gets --help (and --version) too, as an operator expects.
@Command(name = "kiam-ms",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT,
        versionProvider = KiamMs.VersionProvider.class,
        description = "All-in-one message service for the KrossIAM identity server: a managed NATS broker and the "
                + "handlers that answer KrossIAM's actions.",
        subcommands = {StartCommand.class, StatusCommand.class, SendTestCommand.class, KiamConfigCommand.class,
                DeadLettersCommand.class, DeliveriesCommand.class, ReloadCommand.class, UsersCommand.class, TailCommand.class, ConfigCommand.class, PreviewCommand.class, GeoipCommand.class, CompletionCommand.class,
                VersionCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 1 failure, 2 configuration or usage error, 3 not running, 4 the action answered with an error."})
public final class KiamMs {

    public static void main(String[] args) {
        // Must be set before anything touches java.util.logging.
        System.setProperty("java.util.logging.manager", DeferredResetLogManager.class.getName());
        // Without it jakarta.mail scans the class path for a stream provider on every MIME part,
        // a quarter of the CPU per mail (measured with scripts/bench).
        System.setProperty("jakarta.mail.util.StreamProvider", "org.eclipse.angus.mail.util.MailStreamProvider");
        System.exit(run(args));
    }

    /** The whole command tree: the annotated commands, and a send-test per registered action or event. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new KiamMs());
        SendTestCommand.addSubcommands(cli.getSubcommands().get("send-test"), dev.kiamms.app.registry.BuiltIns.registry());
        return cli;
    }

    public static int run(String... args) {
        return run(null, null, args);
    }

    /**
     * Runs a command printing to the given writers (null: standard output and error), so that a
     * caller can capture what a command says without swapping {@code System.out}.
     */
    public static int run(PrintWriter stdout, PrintWriter stderr, String... args) {
        boolean debug = System.getenv("KIAMMS_DEBUG") != null;
        LogSetup.forCommand(debug);
        CommandLine cli = commandLine();
        if (stdout != null) {
            cli.setOut(stdout);
        }
        if (stderr != null) {
            cli.setErr(stderr);
        }
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (e instanceof KiamMsException k) {
                err.println("kiam-ms: " + k.getMessage());
                if (debug && k.getCause() != null) {
                    k.getCause().printStackTrace(err);
                }
                err.flush();
                return k.exitCode();
            }
            err.println("kiam-ms: unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + " (run with KIAMMS_DEBUG=1 for the stack trace)");
            if (debug) {
                e.printStackTrace(err);
            }
            err.flush();
            return KiamMsException.FAILURE;
        });
        try {
            return cli.execute(args);
        } finally {
            cli.getOut().flush();
            cli.getErr().flush();
        }
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"kiam-ms " + Version.current()};
        }
    }
}
