package dev.kiamms.app.service;

import dev.kiamms.app.config.Settings;
import dev.kiamms.metrics.CountingStats;
import dev.kiamms.app.registry.ActionRegistration;
import dev.kiamms.app.registry.EventKind;
import dev.kiamms.app.registry.EventRegistration;
import dev.kiamms.app.registry.Registry;
import dev.kiamms.bus.AuditSpool;
import dev.kiamms.bus.DurableEvents;
import dev.kiamms.bus.MessageBus;
import dev.kiamms.pipeline.ActionHandler;
import dev.kiamms.pipeline.ActionPipeline;
import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.EventPipeline;
import dev.kiamms.pipeline.EventTarget;
import dev.kiamms.pipeline.Intake;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.pipeline.RecentRequests;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.EnvelopeValidator;
import dev.kiamms.protocol.Subjects;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * Turns the registry into subscriptions: each switched-on action its queue subscription, each
 * event kind its subscription or durable consumer with its handler bound, and the audit spool.
 * Handlers are built once, from their registration, and read the resources in force per message.
 */
final class Wiring {

    private static final Logger LOG = Logger.getLogger("kiamms.appliance");
    /** How long a start waits for JetStream before it answers actions anyway and attaches the consumers later. */
    private static final Duration FIRST_ATTACH_PATIENCE = Duration.ofSeconds(5);
    /** How long an audit may wait for the stream's consumer before the spool puts it into the stream itself. */
    private static final Duration SPOOL_GRACE = Duration.ofSeconds(10);

    private final InstancePaths paths;
    private final Settings settings;
    private final Registry registry;
    private final CountingStats stats;
    private final AtomicReference<Resources> resources;
    private final ScheduledExecutorService scheduler;
    private final Path logDir;
    private final JetStreamAttach jetStream;
    private final Map<String, ActionHandler<?>> actionHandlers = new LinkedHashMap<>();
    /** What the registrations build their handlers from. */
    private final LiveHandlerContext context;
    private Connection connection;
    private volatile MessageBus bus;
    private volatile AuditSpool spool;
    /** Why the durable consumers are not attached yet (a cluster node alone), or null. */
    private volatile String jetStreamWaiting;
    /** What the subscribers answer or consume now: read by the health endpoint without taking any lock. */
    private volatile List<String> answering = List.of();
    /** The durable consumers, attached or waiting for JetStream; none on a broker without it. */
    private List<JetStreamAttach.Consumer> durableConsumers = List.of();
    private volatile boolean closed;

    Wiring(InstancePaths paths, Settings settings, Registry registry, CountingStats stats, AtomicReference<Resources> resources,
           ScheduledExecutorService scheduler, Path logDir) {
        this.paths = paths;
        this.settings = settings;
        this.registry = registry;
        this.stats = stats;
        this.resources = resources;
        this.scheduler = scheduler;
        this.logDir = logDir;
        this.jetStream = new JetStreamAttach(paths, settings, logDir);
        this.context = new LiveHandlerContext(settings, resources, jetStream, logDir);
    }

    /** The resources in force now (null once stopped). */
    Resources resources() {
        return resources.get();
    }

    JetStreamAttach jetStream() {
        return jetStream;
    }

    MessageBus bus() {
        return bus;
    }

    AuditSpool spool() {
        return spool;
    }

    String jetStreamWaiting() {
        return jetStreamWaiting;
    }

    /** The stats spine the pipelines report to; mail delivery built on reload reports there too. */
    CountingStats stats() {
        return stats;
    }

    List<String> answering() {
        return answering;
    }

    /** Subscribes everything the settings switch on. @return the subjects, for the log and status */
    synchronized List<String> subscribe(Connection connection) throws IOException, InterruptedException {
        this.connection = connection;
        EnvelopeCodec codec = new EnvelopeCodec();
        Intake intake = new Intake(codec, new EnvelopeValidator(), MicroClock.system());
        List<EventRegistration> events = registry.enabledEvents(settings);
        Map<EventRegistration, EventHandler<?>> handlers = new LinkedHashMap<>();
        events.forEach(e -> handlers.put(e, e.handler().apply(context)));
        // One window for actions and one for audits, so that neither can push the other's reqids out.
        EventPipeline pipeline = new EventPipeline(intake, stats, recentRequests());
        bus = new MessageBus(connection, settings.service().queueGroup(), new ActionPipeline(intake, stats, recentRequests()),
                pipeline, MessageBus.Workers.DEFAULT.withDispatchers(settings.service().dispatchersPerAction()));
        List<MessageBus.EventSubscription> plain = new ArrayList<>();
        handlers.forEach((e, h) -> {
            if (e.kind() == EventKind.PLAIN) {
                plain.add(new MessageBus.EventSubscription(e.subject(), EventTarget.of(h)));
            }
        });
        bus.subscribe(enabledActions(settings), plain);
        List<JetStreamAttach.Consumer> consumers = consumers(handlers);
        try {
            if (!jetStream.attach(connection, pipeline, consumers, FIRST_ATTACH_PATIENCE)) {
                // An external broker without JetStream: audits and logs as plain subscriptions, at most once.
                LOG.warning("the broker has no JetStream: audits and log records are handled as they arrive and are lost while kiam-ms is down");
                bus.subscribeEvents(consumers.stream()
                        .map(c -> new MessageBus.EventSubscription(c.filterSubject(), c.target())).toList());
                return refreshAnswering();
            }
        } catch (IOException | JetStreamApiException e) {
            // A cluster node whose peers are not up yet, or JetStream still electing its leaders:
            // answer actions now, keep audits in the spool, and attach the consumers once it can.
            jetStreamWaiting = "JetStream is not available yet (" + e.getMessage() + "); audits are kept in "
                    + paths.spoolDir() + " until it is";
            LOG.warning(jetStreamWaiting);
            scheduler.schedule(() -> attachLater(pipeline, consumers), 2, TimeUnit.SECONDS);
        }
        if (settings.service().audits().subscribe()) {
            spool = new AuditSpool(connection, paths.spoolDir(), codec, jetStream::ledger, SPOOL_GRACE);
            spool.start();
        }
        durableConsumers = consumers;
        return refreshAnswering();
    }

    /**
     * The durable consumers: one for all audits (kept as before, so a store from an earlier run
     * is read on), each audit subject bound to its handler; one per other durable kind.
     */
    private static List<JetStreamAttach.Consumer> consumers(Map<EventRegistration, EventHandler<?>> handlers) {
        Map<String, EventHandler<?>> audits = new LinkedHashMap<>();
        List<JetStreamAttach.Consumer> out = new ArrayList<>();
        handlers.forEach((e, h) -> {
            if (e.kind() == EventKind.AUDIT) {
                audits.put(e.subject(), h);
            }
        });
        if (!audits.isEmpty()) {
            out.add(new JetStreamAttach.Consumer(DurableEvents.AUDIT_CONSUMER, Subjects.AUDIT_PREFIX + ">", true,
                    EventTarget.bySubject(audits)));
        }
        handlers.forEach((e, h) -> {
            if (e.kind() == EventKind.DURABLE) {
                // A log record written twice after a crash does no harm: no ledger round trips for them.
                out.add(new JetStreamAttach.Consumer(e.consumer(), e.subject(), false, EventTarget.of(h)));
            } else if (e.kind() == EventKind.DURABLE_ONCE) {
                // A routed notice reaches people: each reqid once, through the ledger, as audits.
                out.add(new JetStreamAttach.Consumer(e.consumer(), e.subject(), true, EventTarget.of(h)));
            }
        });
        return out;
    }

    /** What the bus answers and the durable consumers read (or wait to), derived afresh after each change. */
    private List<String> refreshAnswering() {
        List<String> now = new ArrayList<>(bus.subscribed());
        now.addAll(durableSubjects(durableConsumers));
        answering = List.copyOf(now);
        return answering;
    }

    /** What the durable consumers read, for status. */
    private List<String> durableSubjects(List<JetStreamAttach.Consumer> consumers) {
        boolean attached = jetStream.durable() != null;
        String how = attached ? " (stream " + DurableEvents.STREAM + ")" : " (spooled until JetStream is available)";
        return consumers.stream()
                .filter(c -> attached || c.name().equals(DurableEvents.AUDIT_CONSUMER)) // only audits are spooled meanwhile
                .map(c -> c.filterSubject() + how).toList();
    }

    /** Tries again every few seconds until JetStream answers, then reads the stream as a start would have. */
    private void attachLater(EventPipeline pipeline, List<JetStreamAttach.Consumer> consumers) {
        synchronized (this) {
            if (closed || jetStream.durable() != null) {
                return;
            }
            try {
                jetStream.attach(connection, pipeline, consumers, Duration.ofSeconds(1));
                jetStreamWaiting = null;
                refreshAnswering();
                LOG.info("JetStream is available: reading the audit stream now");
                return;
            } catch (IOException | JetStreamApiException e) {
                LOG.fine(() -> "JetStream still not available: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        scheduler.schedule(() -> attachLater(pipeline, consumers), 2, TimeUnit.SECONDS);
    }

    /** After a reconnect the broker may be a new process: its pulls for our consumers are gone. */
    void resumeAfterReconnect() {
        DurableEvents d = jetStream.durable();
        if (d != null) {
            d.resume("reconnected to the broker");
        }
    }

    /** Answers exactly the actions {@code next} switches on. @return the subjects answered and consumed now */
    synchronized List<String> updateActions(Settings next) {
        List<String> subjects = bus.updateActions(enabledActions(next));
        refreshAnswering();
        return subjects;
    }

    /** The handlers of the actions the settings switch on, each built once from its registration. */
    private List<ActionHandler<?>> enabledActions(Settings s) {
        for (ActionRegistration off : registry.disabledActions(s)) {
            LOG.info("" + off.key() + " is switched off (service.actions." + off.key()
                    + ".subscribe: false); another application may answer it");
        }
        return registry.enabledActions(s).stream()
                .<ActionHandler<?>>map(a -> actionHandlers.computeIfAbsent(a.key(), k -> a.handler().apply(context)))
                .toList();
    }

    private RecentRequests recentRequests() {
        Settings.DedupSettings dedup = settings.service().dedup();
        return dedup.windowSeconds() == 0 ? RecentRequests.disabled()
                : new RecentRequests(Duration.ofSeconds(dedup.windowSeconds()), dedup.maxEntries());
    }

    /** Stops taking messages and lets those in hand finish (every accepted action gets its reply), then closes the files. */
    void drainAndClose(Duration timeout) {
        closed = true;
        AuditSpool s = spool;
        if (s != null) {
            s.close();
        }
        jetStream.drain(timeout);
        MessageBus b = bus;
        if (b != null && !b.drain(timeout)) {
            LOG.warning("messages still in progress after " + timeout.toSeconds() + " s were abandoned; their requesters get no reply");
        }
        jetStream.close();
        context.closeSinks();
    }
}
