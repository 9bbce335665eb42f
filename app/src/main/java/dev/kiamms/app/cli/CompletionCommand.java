package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "completion",
        description = "Print a completion script for kiam-ms, for bash (the default) or zsh.",
        footer = {"", "Examples:", "  source <(kiam-ms completion)", "  source <(kiam-ms completion zsh)      # in ~/.zshrc",
                "  kiam-ms completion > /etc/bash_completion.d/kiam-ms"})
public final class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SHELL", arity = "0..1", defaultValue = "bash", description = "bash or zsh (default: ${DEFAULT-VALUE}).")
    String shell;

    @Override
    public Integer call() {
        String wanted = shell.strip().toLowerCase(Locale.ROOT);
        if (!wanted.equals("bash") && !wanted.equals("zsh")) {
            throw new KiamMsException(KiamMsException.CONFIG, "completion: no script for '" + shell + "'; choose bash or zsh");
        }
        CommandLine root = spec.root().commandLine();
        // One script serves both: picocli's bash script turns on zsh's bashcompinit when it runs in zsh.
        // The zsh form only says so at the top, for whoever reads ~/.zshrc later.
        if (wanted.equals("zsh")) {
            spec.commandLine().getOut().println("# kiam-ms completion for zsh (a bash completion script loaded through zsh's bashcompinit)");
        }
        spec.commandLine().getOut().print(AutoComplete.bash(root.getCommandName(), root));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
