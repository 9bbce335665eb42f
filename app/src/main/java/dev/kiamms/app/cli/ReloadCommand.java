package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.service.ReloadRequest;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "reload",
        description = "Make the running appliance read its configuration again and say what happened.",
        footer = {"", "Reloaded while running: geoip.path, mail (templates, MTAs, subject prefix), service.actions.*.subscribe,",
                "and the broker users of your apps (kiam-ms users), without dropping connections.",
                "Changes to broker.*, audits, notices, logs, dedup and log.* take effect at the next start.",
                "A configuration that does not load is refused and the running one kept.",
                "The request goes through <data>/run/reload-requests/, so it reaches kiam-ms",
                "even when SIGHUP does not (started with nohup). SIGHUP (systemctl reload)",
                "does the same reload wherever it is not ignored.",
                "Exit codes: 0 reloaded, 2 refused (the message says why), 3 not running,",
                "1 no answer within 15 s.",
                "", "Examples:", "  kiam-ms reload", "  systemctl reload kiam-ms"})
public final class ReloadCommand implements Callable<Integer> {

    @Mixin
    InstanceOptions instance;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws Exception {
        ReloadRequest.Outcome outcome = ReloadRequest.send(instance.paths());
        output.print(Result.of(outcome.record(), outcome.message()));
        return outcome.applied() ? 0 : KiamMsException.CONFIG;
    }
}
