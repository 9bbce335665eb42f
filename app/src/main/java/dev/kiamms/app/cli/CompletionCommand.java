package dev.kiamms.app.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "completion",
        description = "Print a bash/zsh completion script for kiam-ms.",
        footer = {"", "Examples:", "  source <(kiam-ms completion)",
                "  kiam-ms completion > /etc/bash_completion.d/kiam-ms"})
public final class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine root = spec.root().commandLine();
        System.out.print(AutoComplete.bash(root.getCommandName(), root));
        return 0;
    }
}
