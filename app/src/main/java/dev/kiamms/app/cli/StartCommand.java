package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.Version;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.SecretFiles;
import dev.kiamms.app.config.Settings;
import dev.kiamms.app.logging.LogSetup;
import dev.kiamms.app.service.Appliance;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.app.service.ReloadRequestWatcher;
import dev.kiamms.files.OwnerOnlyFiles;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.logging.Logger;

@Command(name = "start",
        description = "Start the managed nats-server and the message service in the foreground; "
                + "SIGTERM or Ctrl-C stops both cleanly.",
        footer = {"", "Examples:", "  kiam-ms start", "  kiam-ms start --config /etc/kiam-ms/kiam-ms.yaml --data /var/lib/kiam-ms"})
public final class StartCommand implements Callable<Integer> {

    private static final Logger LOG = Logger.getLogger("kiamms.start");

    @Mixin
    InstanceOptions instance;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() {
        InstancePaths paths = instance.paths();
        LoadedConfig config = instance.loadConfig(paths);
        try {
            // The data directory holds secrets: make it owner-only before anything is put in it.
            OwnerOnlyFiles.directory(paths.dataDir());
            Settings.LogSettings log = config.settings().log();
            LogSetup.forService(paths.logDir(config), config.settings().debug(), log.maxFileBytes(), log.keep());
        } catch (IOException e) {
            throw new KiamMsException(KiamMsException.FAILURE, "cannot create " + e.getMessage()
                    + "; check --data, log.path and the folders' permissions");
        }
        // Said at every start (console, journal and log) until fixed: a secret others can read.
        SecretFiles.warnings(config, paths.confDir()).forEach(LOG::warning);
        Appliance appliance = new Appliance(paths, config);
        Thread hook = new Thread(appliance::stop, "kiam-ms-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        // SIGHUP reloads the configuration (as for most daemons) instead of stopping the JVM.
        // Where the parent ignored SIGHUP (nohup), the JVM keeps it ignored and installs nothing,
        // without an error: say so, since only the reload-request folder reaches us then.
        if (sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> appliance.reloadAndRecord())
                == sun.misc.SignalHandler.SIG_IGN) {
            LOG.warning("SIGHUP is ignored in this process (started with nohup?), so 'kill -HUP' does not reload it; "
                    + "'kiam-ms reload' does");
        }
        Appliance.Ready ready;
        ReloadRequestWatcher reloadRequests;
        try {
            ready = appliance.start();
            reloadRequests = ReloadRequestWatcher.start(paths.reloadRequestDir(),
                    requests -> appliance.reloadAndRecord(requests).json());
        } catch (KiamMsException e) {
            removeHook(hook);
            throw e;
        } catch (IOException e) {
            appliance.stop();
            removeHook(hook);
            throw new KiamMsException(KiamMsException.FAILURE, "cannot create " + paths.reloadRequestDir() + ": "
                    + e.getMessage() + "; check the data directory's owner and permissions");
        }
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("ready", true);
        j.put("version", Version.current());
        j.put("broker", ready.brokerUrlMasked());
        j.put("natsServer", ready.natsServerVersion());
        j.put("subjects", ready.subjects());
        j.put("startupMillis", ready.startup().toMillis());
        j.put("data", paths.dataDir().toString());
        j.put("config", config.describeSource());
        output.print(Result.of(j, "kiam-ms " + Version.current() + " ready in " + ready.startup().toMillis() + " ms: broker "
                + ready.brokerUrlMasked() + " (" + ready.natsServerVersion() + "), answering "
                + (ready.subjects().isEmpty() ? "nothing" : String.join(", ", ready.subjects()))
                + "; data " + paths.dataDir()));
        int code = appliance.terminated().join();
        reloadRequests.close();
        removeHook(hook);
        return code;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run: nothing to undo
        }
    }
}
