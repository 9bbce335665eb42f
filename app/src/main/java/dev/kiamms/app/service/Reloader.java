package dev.kiamms.app.service;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.config.ConfigLoader;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.config.Settings;
import dev.kiamms.app.registry.Registry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * Reads the configuration again and swaps in what can change while running: the GeoIP database,
 * the mail templates and MTAs (one {@link Resources}, swapped whole) and which actions are
 * answered. A configuration that does not load, or whose resources are unusable, is refused and
 * the running one kept; what takes a restart is named.
 */
final class Reloader {

    private static final Logger LOG = Logger.getLogger("kiamms.appliance");

    private final InstancePaths paths;
    /** The settings the appliance started with: what takes a restart is compared against them. */
    private final Settings started;
    private final Registry registry;
    private final AtomicReference<Resources> resources;
    private final Wiring wiring;
    private final ScheduledExecutorService scheduler;

    Reloader(InstancePaths paths, Settings started, Registry registry, AtomicReference<Resources> resources, Wiring wiring,
             ScheduledExecutorService scheduler) {
        this.paths = paths;
        this.started = started;
        this.registry = registry;
        this.resources = resources;
        this.wiring = wiring;
        this.scheduler = scheduler;
    }

    Appliance.ReloadResult reload() {
        LoadedConfig next;
        Resources loaded;
        try {
            next = new ConfigLoader().load(paths.configFile(), paths.configGiven());
            Registries.requireValid(registry, next);
            loaded = Resources.load(paths, next, registry.needsMail(next.settings()), wiring.jetStream().attemptLog(),
                    wiring.stats());
            try {
                Registries.requireValid(registry, next, loaded.templateNames());
            } catch (KiamMsException e) {
                loaded.close();
                throw e;
            }
        } catch (KiamMsException | IOException e) {
            LOG.severe("reload refused, the running configuration stays: " + e.getMessage());
            return new Appliance.ReloadResult(false, "refused: " + e.getMessage());
        }
        Resources previous = resources.getAndSet(loaded);
        // Lookups and mails in progress may still hold the old database and MTA pool: close them later.
        scheduler.schedule(previous::close, 30, TimeUnit.SECONDS);
        List<String> subjects = wiring.updateActions(next.settings());
        Settings s = next.settings();
        List<String> needRestart = new ArrayList<>();
        if (!s.broker().equals(started.broker())) {
            needRestart.add("broker");
        }
        if (!s.service().audits().equals(started.service().audits()) || !s.service().events().equals(started.service().events())
                || !s.service().logs().equals(started.service().logs()) || !s.service().dedup().equals(started.service().dedup())
                || !s.service().queueGroup().equals(started.service().queueGroup()) || !s.log().equals(started.log())) {
            needRestart.add("service audits/events/logs/dedup/queue_group or log");
        }
        // Route handlers and channels are built once at start (their subjects are the stream's and the
        // consumers'); templates and MTAs they use do follow a reload.
        if (!s.routes().equals(started.routes()) || !s.channels().equals(started.channels())
                || !s.service().limits().equals(started.service().limits())) {
            needRestart.add("routes, channels or service.limits");
        }
        String message = "reloaded " + next.describeSource() + "; answering " + String.join(", ", subjects)
                + (needRestart.isEmpty() ? "" : "; changes to " + String.join(", ", needRestart) + " take effect at the next start");
        LOG.info(message);
        return new Appliance.ReloadResult(true, message);
    }

    /** Leaves a reload's outcome in {@code <data>/run/reload.json}, naming the requests it answers. */
    static Appliance.Recorded record(InstancePaths paths, Appliance.ReloadResult r, List<String> requests) {
        java.util.Map<String, Object> record = new java.util.LinkedHashMap<>();
        record.put("at", java.time.Instant.now().toString());
        record.put("applied", r.applied());
        record.put("message", r.message());
        record.put("brokerUsers", r.brokerUsers().name().toLowerCase(java.util.Locale.ROOT));
        if (!requests.isEmpty()) {
            record.put("requests", requests);
        }
        byte[] json;
        try {
            json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(record);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e); // strings, booleans and a list: cannot happen
        }
        try {
            dev.kiamms.files.OwnerOnlyFiles.write(paths.reloadFile(), json);
        } catch (IOException e) {
            LOG.warning("cannot write " + paths.reloadFile() + ": " + e.getMessage());
        }
        return new Appliance.Recorded(r, json);
    }
}
