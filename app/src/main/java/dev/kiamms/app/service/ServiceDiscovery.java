package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerConfigWriter;
import dev.kiamms.metrics.HandlerCounts;
import dev.kiamms.metrics.StatsSnapshot;
import dev.kiamms.protocol.Subjects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.NUID;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * kiam-ms as a NATS micro service (ADR-32): answers {@code $SRV.PING}, {@code $SRV.INFO} and
 * {@code $SRV.STATS}, each also as {@code .kiam-ms} and {@code .kiam-ms.<id>}, so that
 * {@code nats micro ls/info/stats} and any ADR-32 client find every running instance. It lists one
 * endpoint per action answered now, with live counts from the stats spine.
 *
 * <p>Only the discovery API: the actions themselves stay on kiam-ms's own pipeline (KrossIAM's
 * envelope, reloads that add or drop an action), which jnats's Service framework cannot do. Not in
 * a queue group: every instance answers for itself, as ADR-32 wants.
 */
public final class ServiceDiscovery implements AutoCloseable {

    /** The service name all kiam-ms instances share. */
    public static final String NAME = "kiam-ms";
    private static final String PING_TYPE = "io.nats.micro.v1.ping_response";
    private static final String INFO_TYPE = "io.nats.micro.v1.info_response";
    private static final String STATS_TYPE = "io.nats.micro.v1.stats_response";

    private static final Logger LOG = Logger.getLogger("kiamms.srv");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SEMVER = Pattern.compile("\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?");
    private static final String ACTION_PREFIX = Subjects.action("");

    private enum Verb { PING, INFO, STATS }

    private final Connection connection;
    private final String id = NUID.nextGlobal();
    private final String version;
    private final String queueGroup;
    private final Supplier<StatsSnapshot> stats;
    private final Supplier<List<String>> subjects;
    private Dispatcher dispatcher;

    /**
     * @param version    kiam-ms's version; one that is not semantic (a development build) is given as 0.0.0-VERSION
     * @param queueGroup the queue group the actions are answered in
     * @param stats      the spine's snapshot, read per STATS request
     * @param subjects   what kiam-ms answers or consumes now: the endpoints are its action subjects
     */
    public ServiceDiscovery(Connection connection, String version, String queueGroup, Supplier<StatsSnapshot> stats,
                            Supplier<List<String>> subjects) {
        this.connection = connection;
        this.version = SEMVER.matcher(version).matches() ? version : "0.0.0-" + version.replaceAll("[^0-9A-Za-z.-]", "-");
        this.queueGroup = queueGroup;
        this.stats = stats;
        this.subjects = subjects;
    }

    /** Subscribes the nine subjects (three verbs, each for all services, for kiam-ms and for this instance). */
    public synchronized void start() {
        dispatcher = connection.createDispatcher(this::onRequest);
        for (Verb verb : Verb.values()) {
            String base = BrokerConfigWriter.SERVICE_API + "." + verb.name();
            dispatcher.subscribe(base);
            dispatcher.subscribe(base + "." + NAME);
            dispatcher.subscribe(base + "." + NAME + "." + id);
        }
        LOG.info(() -> "answering " + BrokerConfigWriter.SERVICE_API + ".PING/INFO/STATS as " + NAME + " id " + id);
    }

    @Override
    public synchronized void close() {
        if (dispatcher != null) {
            connection.closeDispatcher(dispatcher);
            dispatcher = null;
        }
    }

    private void onRequest(Message msg) {
        String subject = msg.getSubject();
        if (msg.getReplyTo() == null || msg.getReplyTo().isEmpty()) {
            LOG.fine(() -> subject + " without a reply subject: dropped (no reqid: a discovery request carries none)");
            return;
        }
        try {
            connection.publish(msg.getReplyTo(), JSON.writeValueAsBytes(answer(verbOf(subject))));
        } catch (JsonProcessingException | RuntimeException e) {
            LOG.log(Level.WARNING, subject + ": cannot answer", e);
        }
    }

    /** The verb is the second token: {@code $SRV.STATS.kiam-ms} is STATS. */
    private static Verb verbOf(String subject) {
        String[] tokens = subject.split("\\.");
        return Verb.valueOf(tokens[1]);
    }

    /** The ADR-32 answer to one verb, as a JSON-ready map. */
    private Map<String, Object> answer(Verb verb) {
        return switch (verb) {
            case PING -> common(PING_TYPE);
            case INFO -> info();
            case STATS -> stats();
        };
    }

    private Map<String, Object> common(String type) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("name", NAME);
        m.put("id", id);
        m.put("version", version);
        m.put("metadata", Map.of("queue_group", queueGroup));
        return m;
    }

    private Map<String, Object> info() {
        Map<String, Object> m = common(INFO_TYPE);
        m.put("description", "kiam-ms: KrossIAM's message service (actions, audits, notices, logs)");
        List<Map<String, Object>> endpoints = new ArrayList<>();
        for (String key : actionKeys()) {
            endpoints.add(endpoint(key));
        }
        m.put("endpoints", endpoints);
        return m;
    }

    private Map<String, Object> stats() {
        StatsSnapshot snapshot = stats.get();
        Map<String, Object> m = common(STATS_TYPE);
        m.put("started", snapshot.started().toString());
        List<Map<String, Object>> endpoints = new ArrayList<>();
        for (String key : actionKeys()) {
            HandlerCounts c = snapshot.handlers().getOrDefault(key, new HandlerCounts(0, 0, 0, 0, 0));
            Map<String, Object> e = endpoint(key);
            // Every request answered counts, repeats too; errors are the failed and the refused.
            e.put("num_requests", c.handled() + c.errors() + c.duplicates());
            e.put("num_errors", c.errors());
            e.put("last_error", snapshot.lastErrors().getOrDefault(key, ""));
            // Time of the handled requests only (intake, handler, reply), in nanoseconds.
            e.put("processing_time", c.totalNanos());
            e.put("average_processing_time", c.averageNanos());
            endpoints.add(e);
        }
        m.put("endpoints", endpoints);
        return m;
    }

    private Map<String, Object> endpoint(String key) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("name", key);
        e.put("subject", Subjects.action(key));
        e.put("queue_group", queueGroup);
        return e;
    }

    /** The action keys answered now, in the order kiam-ms lists its subjects. */
    private List<String> actionKeys() {
        return subjects.get().stream().filter(s -> s.startsWith(ACTION_PREFIX)).map(s -> s.substring(ACTION_PREFIX.length()))
                .toList();
    }
}
