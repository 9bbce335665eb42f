package dev.kiamms.app.service;

import dev.kiamms.app.config.Settings;
import dev.kiamms.app.registry.HandlerContext;
import dev.kiamms.bus.DeliveryLedger;
import dev.kiamms.channel.Channel;
import dev.kiamms.limit.SendBudget;
import dev.kiamms.mail.MailComposer;
import dev.kiamms.sink.JsonLinesFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * What the running appliance gives a registration to build its handler from: the resources in
 * force at each moment, the JetStream-backed stores once attached, the routes' channels and the
 * record files, which it closes at the end.
 */
final class LiveHandlerContext implements HandlerContext {

    private static final Logger LOG = Logger.getLogger("kiamms.appliance");

    private final Settings settings;
    private final AtomicReference<Resources> resources;
    private final JetStreamAttach jetStream;
    private final Path logDir;
    private final List<JsonLinesFile> sinks = new ArrayList<>();
    /** The routes' channels, opened at the first route handler built. */
    private List<Channel> channels;

    LiveHandlerContext(Settings settings, AtomicReference<Resources> resources, JetStreamAttach jetStream, Path logDir) {
        this.settings = settings;
        this.resources = resources;
        this.jetStream = jetStream;
        this.logDir = logDir;
    }

    @Override
    public Resources resources() {
        return resources.get();
    }

    @Override
    public SendBudget sendBudget() {
        return jetStream.sendLimits();
    }

    @Override
    public synchronized List<Channel> channels() {
        if (channels == null) {
            // Configured once (a changed channels: section takes a restart); each send reads the templates and MTAs in force.
            channels = settings.channels().open(() -> resources().composer(), () -> resources().delivery(), () -> {
                MailComposer composer = resources().composer();
                return composer == null ? null : composer.templates();
            }, jetStream.attemptLog());
        }
        return channels;
    }

    @Override
    public DeliveryLedger ledger() {
        return jetStream.ledger();
    }

    @Override
    public synchronized JsonLinesFile sink(String name) {
        try {
            Settings.LogSettings log = settings.log();
            JsonLinesFile file = new JsonLinesFile(logDir, name, log.maxFileBytes(), log.keep());
            sinks.add(file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + logDir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    /** Closes the record files the handlers were given. */
    synchronized void closeSinks() {
        for (JsonLinesFile sink : sinks) {
            try {
                sink.close();
            } catch (IOException e) {
                LOG.warning("cannot close " + sink.path() + ": " + e.getMessage());
            }
        }
    }
}
