package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.bus.DeadLetters;
import dev.kiamms.bus.DeliveryLedger;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.pipeline.MicroClock;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "dead-letters",
        description = "Audits that failed after their last attempt: list them, or replay them once the cause is fixed.",
        subcommands = {DeadLettersCommand.ListLetters.class, DeadLettersCommand.Replay.class},
        footer = {"", "Examples:", "  kiam-ms dead-letters list", "  kiam-ms dead-letters replay --all"})
public final class DeadLettersCommand {

    @Command(name = "list", description = "List the dead letters, oldest first.",
            footer = {"", "Examples:", "  kiam-ms dead-letters list", "  kiam-ms dead-letters list --json"})
    static final class ListLetters implements Callable<Integer> {
        @Mixin
        InstanceOptions instance;

        @Mixin
        OutputOptions output;

        @Override
        public Integer call() throws IOException {
            InstancePaths paths = instance.paths();
            List<DeadLetters.Letter> letters = new DeadLetters(paths.deadLetterDir()).list();
            List<Map<String, Object>> rows = new ArrayList<>();
            List<String> text = new ArrayList<>();
            for (DeadLetters.Letter l : letters) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("id", l.id());
                r.put("subject", l.subject());
                r.put("reqid", l.reqid());
                r.put("attempts", l.attempts());
                r.put("failedAt", l.failedAt());
                r.put("reason", l.reason());
                r.put("mayHaveBeenDelivered", l.mayHaveBeenDelivered());
                rows.add(r);
                text.add(l.id() + "  " + l.subject() + "  " + l.attempts() + " attempt(s)"
                        + (l.mayHaveBeenDelivered() ? "  MAY HAVE BEEN DELIVERED" : "") + "\n    " + l.reason());
            }
            text.add(letters.isEmpty() ? "no dead letters in " + paths.deadLetterDir()
                    : letters.size() + " dead letter(s); replay with: kiam-ms dead-letters replay ID... or --all");
            output.print(Result.of(rows, text));
            return 0;
        }
    }

    @Command(name = "replay",
            description = "Publish dead letters again, as KrossIAM would (same reqid and payload, a new send time), "
                    + "and remove them once published. Start kiam-ms first: the audit is handled by the running appliance.",
            footer = {"", "A letter marked MAY HAVE BEEN DELIVERED is only replayed when named or with --all: its mail may arrive twice.",
                    "", "Examples:", "  kiam-ms dead-letters replay 20261123-051640-862-3dd7b3ec...", "  kiam-ms dead-letters replay --all"})
    static final class Replay implements Callable<Integer> {
        @Parameters(paramLabel = "ID", arity = "0..*", description = "Dead letters to replay (see 'dead-letters list').")
        List<String> ids = new ArrayList<>();

        @Option(names = "--all", description = "Replay every dead letter.")
        boolean all;

        @Mixin
        InstanceOptions instance;

        @Mixin
        KrossIamConnection connection;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (ids.isEmpty() && !all) {
                throw new KiamMsException(KiamMsException.CONFIG, "name the dead letters to replay, or give --all");
            }
            InstancePaths paths = instance.paths();
            LoadedConfig config = instance.loadConfig(paths);
            DeadLetters store = new DeadLetters(paths.deadLetterDir());
            List<DeadLetters.Letter> letters = new ArrayList<>();
            if (all) {
                letters.addAll(store.list());
            }
            for (String id : ids) {
                letters.add(store.get(id).orElseThrow(() -> new KiamMsException(KiamMsException.FAILURE,
                        "no dead letter " + id + " in " + paths.deadLetterDir() + "; see 'kiam-ms dead-letters list'")));
            }
            // The broker remembers each audit whose mail may have gone out; a replay is a person's
            // decision to send it anyway, so that record goes first.
            forgetDeliveries(paths, config, letters);
            MicroClock clock = MicroClock.system();
            try (KrossIamClient client = connection.connect(paths, config)) {
                for (DeadLetters.Letter l : letters) {
                    client.connection().publish(l.subject(), DeadLetters.replayBody(l, clock.nowMicros()));
                    client.flush(Duration.ofSeconds(5));
                    store.remove(l.id());
                    spec.commandLine().getOut().println("replayed " + l.id() + " on " + l.subject());
                    spec.commandLine().getOut().flush();
                }
            }
            return 0;
        }

        /** Clears the delivery records of the letters, as kiam-ms's own broker user (KrossIAM's may not). */
        private static void forgetDeliveries(InstancePaths paths, LoadedConfig config, List<DeadLetters.Letter> letters) {
            KrossIamConnection.asKiamMs(paths, config, nc -> {
                Optional<DeliveryLedger> ledger = DeliveryLedger.existing(nc);
                if (ledger.isPresent()) {
                    for (DeadLetters.Letter l : letters) {
                        ledger.get().forget(l.subject(), l.reqid());
                    }
                }
                return null;
            }, e -> new KiamMsException(KiamMsException.FAILURE, "cannot clear the delivery records of the dead letters: "
                    + e.getMessage() + "; nothing was replayed, try again once 'kiam-ms status' shows JetStream"));
        }
    }
}
