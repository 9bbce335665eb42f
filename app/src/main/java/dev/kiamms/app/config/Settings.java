package dev.kiamms.app.config;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration, read once from YAML into immutable records; a missing key takes its
 * default here, in the compact constructors, so no caller ever sees a null. The keys of the
 * reference server's {@code mss.yaml} mean the same here.
 */
public record Settings(
        Boolean debug,
        LogSettings log,
        List<String> brokers,
        BrokerSettings broker,
        ServiceSettings service,
        MailSettings mail,
        GeoIpSettings geoip,
        HealthSettings health,
        RouteSettings routes,
        ChannelSettings channels) {

    public Settings {
        debug = debug != null && debug;
        log = log != null ? log : new LogSettings(null, null, null, null, null, null);
        brokers = brokers != null ? List.copyOf(brokers) : List.of();
        broker = broker != null ? broker : new BrokerSettings(null, null, null, null, null, null, null, null, null);
        service = service != null ? service : new ServiceSettings(null, null, null, null, null, null, null, null);
        mail = mail != null ? mail : new MailSettings(null, null, null, null, null, null, null);
        geoip = geoip != null ? geoip : new GeoIpSettings(null, null, null, null, null, null);
        health = health != null ? health : new HealthSettings(null);
        routes = routes != null ? routes : RouteSettings.none();
        channels = channels != null ? channels : new ChannelSettings(null, null);
    }

    public static Settings defaults() {
        return new Settings(null, null, null, null, null, null, null, null, null, null);
    }

    /** {@code log.path} is a folder (as in the reference server); empty means {@code <data>/logs}. */
    public record LogSettings(
            String path,
            @JsonProperty("max_file_mb") Integer maxFileMb,
            Integer keep,
            // The reference server's Airbrake hook; accepted so its mss.yaml loads, and ignored.
            @JsonProperty("airbrake_pid") Object airbrakePid,
            @JsonProperty("airbrade_key") @JsonAlias("airbrake_key") Object airbrakeKey,
            Object airbrake) {
        public LogSettings {
            path = path == null ? "" : path.trim();
            maxFileMb = maxFileMb == null ? 10 : maxFileMb;
            keep = keep == null ? 5 : keep;
            if (maxFileMb < 1 || keep < 1 || keep > 1000) {
                throw new IllegalArgumentException("log.max_file_mb must be 1 or more and log.keep between 1 and 1000");
            }
        }

        public long maxFileBytes() {
            return maxFileMb * 1024L * 1024L;
        }
    }

    /** The broker kiam-ms runs for itself. */
    public record BrokerSettings(
            Boolean embedded,
            String host,
            Integer port,
            @JsonProperty("monitor_port") Integer monitorPort,
            RestartSettings restarts,
            @JsonProperty("server_name") String serverName,
            JetStreamSettings jetstream,
            ClusterSettings cluster,
            TlsSettings tls) {
        public BrokerSettings {
            embedded = embedded == null || embedded;
            restarts = restarts != null ? restarts : new RestartSettings(null, null);
            serverName = serverName == null ? "" : serverName.trim();
            jetstream = jetstream != null ? jetstream : new JetStreamSettings(null, null);
            if (cluster != null && jetstream.replicas() != null && jetstream.replicas() > cluster.routes().size() + 1) {
                throw new IllegalArgumentException("broker.jetstream.replicas is " + jetstream.replicas() + " but the cluster has only "
                        + (cluster.routes().size() + 1) + " node(s); lower it or add routes");
            }
            host = host == null || host.isBlank() ? "127.0.0.1" : host.trim();
            port = port == null ? 4222 : port;
            monitorPort = monitorPort == null ? 8222 : monitorPort;
            requirePort("broker.port", port);
            requirePort("broker.monitor_port", monitorPort);
        }

        /** Copies of the audit stream: as configured, else 3 in a cluster of three or more nodes and 1 otherwise. */
        public int replicas() {
            if (jetstream.replicas() != null) {
                return jetstream.replicas();
            }
            return cluster != null && cluster.routes().size() + 1 >= 3 ? 3 : 1;
        }
    }

    /**
     * Several appliances forming one NATS cluster: {@code listen} is this node's route address,
     * {@code routes} the others' ({@code nats-route://host:port}); {@code user}/{@code password},
     * the same on every node, protect the routes.
     */
    public record ClusterSettings(String name, String listen, List<String> routes, String user, String password) {
        public ClusterSettings {
            name = name == null || name.isBlank() ? "kiam-ms" : name.trim();
            routes = routes != null ? List.copyOf(routes) : List.of();
            user = user == null ? "" : user;
            password = password == null ? "" : password;
            if (listen == null || listen.isBlank()) {
                throw new IllegalArgumentException("broker.cluster.listen is needed, e.g. 0.0.0.0:6222");
            }
        }

        @Override
        public String toString() {
            return "ClusterSettings[name=" + name + ", listen=" + listen + ", routes=" + routes + "]";
        }
    }

    /** Serve clients over TLS: PEM certificate and key, and optionally a CA file that client certificates must chain to. */
    public record TlsSettings(String cert, String key, String ca) {
        public TlsSettings {
            if (cert == null || cert.isBlank() || key == null || key.isBlank()) {
                throw new IllegalArgumentException("broker.tls needs cert and key (PEM files)");
            }
            ca = ca == null ? "" : ca.trim();
        }

        /** What kiam-ms's own clients trust: the CA when there is one, else the certificate itself. */
        public String trustFile() {
            return ca.isEmpty() ? cert : ca;
        }
    }

    /**
     * How much of the audit and log stream the broker keeps (the oldest goes first), how often
     * its store is flushed to disk, and on how many servers of a cluster it is kept.
     *
     * @param syncInterval {@code always} (fsync before the broker confirms a message: an audit it took
     *                     survives an OS crash or power loss) or a nats-server duration such as
     *                     {@code 2m} (faster; the last interval's audits may be lost on power loss)
     * @param replicas     copies of the stream and of the delivery records; null: 1 alone, 3 in a
     *                     cluster of three or more nodes
     */
    public record JetStreamSettings(
            @JsonProperty("max_age_hours") Integer maxAgeHours,
            @JsonProperty("max_bytes_mb") Integer maxBytesMb,
            @JsonProperty("sync_interval") String syncInterval,
            Integer replicas) {
        public JetStreamSettings {
            maxAgeHours = maxAgeHours == null ? 168 : maxAgeHours;
            maxBytesMb = maxBytesMb == null ? 1024 : maxBytesMb;
            syncInterval = syncInterval == null || syncInterval.isBlank() ? "always" : syncInterval.trim();
            if (maxAgeHours < 1 || maxBytesMb < 1) {
                throw new IllegalArgumentException("broker.jetstream.max_age_hours and max_bytes_mb must be 1 or more");
            }
            if (!syncInterval.matches("always|[1-9][0-9]*(ms|s|m|h)")) {
                throw new IllegalArgumentException("broker.jetstream.sync_interval must be always (the default) or a duration such as 10s or 2m, not "
                        + syncInterval);
            }
            if (replicas != null && (replicas < 1 || replicas > 5)) {
                throw new IllegalArgumentException("broker.jetstream.replicas must be 1 to 5, not " + replicas);
            }
        }

        public JetStreamSettings(Integer maxAgeHours, Integer maxBytesMb) {
            this(maxAgeHours, maxBytesMb, null, null);
        }
    }

    /** When a dead nats-server is no longer restarted: more than {@code max_failures} exits within {@code window_seconds}. */
    public record RestartSettings(
            @JsonProperty("max_failures") Integer maxFailures,
            @JsonProperty("window_seconds") Integer windowSeconds) {
        public RestartSettings {
            maxFailures = maxFailures == null ? 5 : maxFailures;
            windowSeconds = windowSeconds == null ? 60 : windowSeconds;
            if (maxFailures < 0 || windowSeconds < 1) {
                throw new IllegalArgumentException("broker.restarts.max_failures must be 0 or more and window_seconds 1 or more");
            }
        }
    }

    public record ServiceSettings(
            @JsonProperty("queue_group") String queueGroup,
            Toggle events,
            AuditSettings audits,
            Toggle logs,
            Map<String, ActionSettings> actions,
            DedupSettings dedup,
            /** Per action or route, the per-recipient send limit (see LimitSettings); never null. */
            Map<String, LimitSettings> limits,
            /** Subscriptions (threads) per non-blocking action; 0 or absent: one per core, 1 to 4. */
            @JsonProperty("dispatchers_per_action") Integer dispatchersPerAction) {
        public ServiceSettings {
            limits = LimitSettings.withDefaults(limits);
            queueGroup = queueGroup == null || queueGroup.isBlank() ? "kiam-ms" : queueGroup.trim();
            events = events != null ? events : new Toggle(null);
            audits = audits != null ? audits : new AuditSettings(null, null);
            logs = logs != null ? logs : new Toggle(null);
            actions = actionsByKey(actions);
            dedup = dedup != null ? dedup : new DedupSettings(null, null);
            dispatchersPerAction = dispatchersPerAction == null ? 0 : dispatchersPerAction;
            if (dispatchersPerAction < 0 || dispatchersPerAction > 64) {
                throw new IllegalArgumentException("service.dispatchers_per_action must be 0 (one per core, up to 4) to 64");
            }
        }

        public ServiceSettings(String queueGroup, Toggle events, AuditSettings audits, Toggle logs,
                               Map<String, ActionSettings> actions, DedupSettings dedup) {
            this(queueGroup, events, audits, logs, actions, dedup, null, null);
        }

        /** The settings of one action by its protocol key ({@code iplocation}); an action not written here is switched on. */
        public ActionSettings action(String key) {
            return actions.getOrDefault(actionKey(key), ActionSettings.DEFAULT);
        }

        /** The action keys written in the file, by protocol key, each with the spelling used there (for its line). */
        public Map<String, String> actionSpellings() {
            return spellings(actions);
        }
    }

    /**
     * {@code service.actions} is keyed by action; the reference server writes {@code ip_location}
     * where the protocol says {@code iplocation}, so a key is taken without its underscores. Which
     * keys exist is the registry's business, checked after loading.
     */
    private static Map<String, ActionSettings> actionsByKey(Map<String, ActionSettings> written) {
        Map<String, ActionSettings> out = new LinkedHashMap<>();
        if (written == null) {
            return Map.of();
        }
        for (Map.Entry<String, ActionSettings> e : written.entrySet()) {
            ActionSettings value = e.getValue() == null ? ActionSettings.DEFAULT : e.getValue();
            String key = actionKey(e.getKey());
            if (out.put(key, value.spelledAs(e.getKey())) != null) {
                throw new IllegalArgumentException("service.actions." + e.getKey() + " is given twice (also spelled otherwise); keep one");
            }
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    private static Map<String, String> spellings(Map<String, ActionSettings> actions) {
        Map<String, String> out = new LinkedHashMap<>();
        actions.forEach((key, a) -> out.put(key, a.writtenAs() == null ? key : a.writtenAs()));
        return out;
    }

    /** The protocol key for a key as written: lower case, without underscores. */
    public static String actionKey(String written) {
        return written.trim().replace("_", "").toLowerCase(java.util.Locale.ROOT);
    }

    /** How long a handled reqid is remembered so that a repeat is not handled again; 0 turns it off. */
    public record DedupSettings(
            @JsonProperty("window_seconds") Integer windowSeconds,
            @JsonProperty("max_entries") Integer maxEntries) {
        public DedupSettings {
            windowSeconds = windowSeconds == null ? 600 : windowSeconds;
            maxEntries = maxEntries == null ? 10_000 : maxEntries;
            if (windowSeconds < 0 || maxEntries < 1) {
                throw new IllegalArgumentException("service.dedup.window_seconds must be 0 or more and max_entries 1 or more");
            }
        }
    }

    /**
     * Audits: switched on or off, how a failed audit is retried before it becomes a dead letter,
     * and after how long audits waiting with none taken make the health {@code degraded}.
     */
    public record AuditSettings(Boolean subscribe, RetrySettings retry, @JsonProperty("stall_seconds") Integer stallSeconds) {
        public AuditSettings {
            subscribe = subscribe == null || subscribe;
            retry = retry != null ? retry : new RetrySettings(null, null, null);
            stallSeconds = stallSeconds == null ? 30 : stallSeconds;
            if (stallSeconds < 1) {
                throw new IllegalArgumentException("service.audits.stall_seconds must be 1 or more");
            }
        }

        public AuditSettings(Boolean subscribe, RetrySettings retry) {
            this(subscribe, retry, null);
        }
    }

    /** {@code max_attempts} deliveries in all, pauses doubling from {@code first_pause_seconds} up to {@code max_pause_seconds}. */
    public record RetrySettings(
            @JsonProperty("max_attempts") Integer maxAttempts,
            @JsonProperty("first_pause_seconds") Integer firstPauseSeconds,
            @JsonProperty("max_pause_seconds") Integer maxPauseSeconds) {
        public RetrySettings {
            maxAttempts = maxAttempts == null ? 5 : maxAttempts;
            firstPauseSeconds = firstPauseSeconds == null ? 10 : firstPauseSeconds;
            maxPauseSeconds = maxPauseSeconds == null ? 600 : maxPauseSeconds;
            if (maxAttempts < 1 || firstPauseSeconds < 1 || maxPauseSeconds < firstPauseSeconds) {
                throw new IllegalArgumentException("service.audits.retry needs max_attempts >= 1 and 1 <= first_pause_seconds <= max_pause_seconds");
            }
        }
    }

    /** A service that can be switched off so that another application takes it over. */
    public record Toggle(Boolean subscribe) {
        public Toggle {
            subscribe = subscribe == null || subscribe;
        }
    }

    /**
     * One action's section: {@code subscribe} (default true; false leaves the action to another
     * application on the bus) and whatever else the action reads for itself, kept as written in
     * {@code options} and checked by the action's registration (iplocation's {@code engine}).
     *
     * @param writtenAs the key as the file spells it, for pointing at its line; null when not from a file
     */
    public record ActionSettings(boolean subscribe, Map<String, Object> options, String writtenAs) {

        public static final ActionSettings DEFAULT = new ActionSettings(true, Map.of(), null);

        public ActionSettings {
            options = options == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options));
        }

        /** Read from YAML: {@code subscribe} is taken out, every other key stays an option. */
        @JsonCreator
        static ActionSettings fromYaml(Map<String, Object> section) {
            Map<String, Object> options = new LinkedHashMap<>(section == null ? Map.of() : section);
            Object subscribe = options.remove("subscribe");
            if (subscribe != null && !(subscribe instanceof Boolean)) {
                throw new IllegalArgumentException("subscribe must be true or false, not " + subscribe);
            }
            return new ActionSettings(subscribe == null || (Boolean) subscribe, options, null);
        }

        ActionSettings spelledAs(String key) {
            return new ActionSettings(subscribe, options, key);
        }

        /** An option as text, or {@code fallback} when not given. */
        public String option(String name, String fallback) {
            Object value = options.get(name);
            return value == null || value.toString().isBlank() ? fallback : value.toString().trim();
        }
    }

    public record MailSettings(
            @JsonProperty("subject_prefix") String subjectPrefix,
            @JsonProperty("template_dir") String templateDir,
            @JsonProperty("preferred_mta") String preferredMta,
            List<MtaSettings> mtas,
            MailTimeouts timeouts,
            @JsonProperty("circuit_breaker") CircuitBreakerSettings circuitBreaker,
            AttemptLogSettings attempts) {
        public MailSettings {
            circuitBreaker = circuitBreaker != null ? circuitBreaker : new CircuitBreakerSettings(null, null);
            attempts = attempts != null ? attempts : new AttemptLogSettings(null, null);
            subjectPrefix = subjectPrefix == null ? "" : subjectPrefix;
            templateDir = templateDir == null ? "" : templateDir.trim();
            preferredMta = preferredMta == null ? "" : preferredMta.trim();
            mtas = mtas != null ? List.copyOf(mtas) : List.of();
            timeouts = timeouts != null ? timeouts : new MailTimeouts(null, null, null);
        }
    }

    /**
     * After {@code failures} certain failures in a row an MTA is skipped for {@code coolDownSeconds},
     * then probed by one mail. {@code failures: 0} never skips an MTA.
     */
    public record CircuitBreakerSettings(Integer failures, @JsonProperty("cool_down_seconds") Integer coolDownSeconds) {
        public CircuitBreakerSettings {
            failures = failures == null ? 3 : failures;
            coolDownSeconds = coolDownSeconds == null ? 30 : coolDownSeconds;
            if (failures < 0 || failures > 1000) {
                throw new IllegalArgumentException("mail.circuit_breaker.failures must be between 0 (never skip) and 1000, not " + failures);
            }
            if (coolDownSeconds < 1 || coolDownSeconds > 86400) {
                throw new IllegalArgumentException("mail.circuit_breaker.cool_down_seconds must be between 1 and 86400, not " + coolDownSeconds);
            }
        }
    }

    /** How long and how much of the delivery attempts the broker keeps for 'kiam-ms deliveries'. */
    public record AttemptLogSettings(@JsonProperty("keep_days") Integer keepDays, @JsonProperty("max_mb") Integer maxMb) {
        public AttemptLogSettings {
            keepDays = keepDays == null ? 30 : keepDays;
            maxMb = maxMb == null ? 64 : maxMb;
            if (keepDays < 1 || keepDays > 3650) {
                throw new IllegalArgumentException("mail.attempts.keep_days must be between 1 and 3650, not " + keepDays);
            }
            if (maxMb < 1 || maxMb > 1024 * 1024) {
                throw new IllegalArgumentException("mail.attempts.max_mb must be 1 or more, not " + maxMb);
            }
        }
    }

    /** SMTP socket time limits in seconds: connecting, waiting for a reply, writing. */
    public record MailTimeouts(Integer connect, Integer read, Integer write) {
        public MailTimeouts {
            connect = positive("mail.timeouts.connect", connect, 10);
            read = positive("mail.timeouts.read", read, 30);
            write = positive("mail.timeouts.write", write, 30);
        }

        private static int positive(String key, Integer value, int fallback) {
            if (value == null) {
                return fallback;
            }
            if (value < 1 || value > 600) {
                throw new IllegalArgumentException(key + " must be between 1 and 600 seconds, not " + value);
            }
            return value;
        }
    }

    /** One mail transfer agent, with the reference server's keys. */
    public record MtaSettings(
            String name,
            String host,
            Integer port,
            @JsonAlias("sslmode") Boolean ssl,
            String sender,
            String replyto,
            List<String> cc,
            List<String> bcc,
            String user,
            String passwd) {
        public MtaSettings {
            ssl = ssl != null && ssl;
            port = port == null ? (ssl ? 465 : 587) : port;
            cc = cc != null ? List.copyOf(cc) : List.of();
            bcc = bcc != null ? List.copyOf(bcc) : List.of();
            requirePort("mail.mtas[].port", port);
        }

        /** Never print the password, not even by accident. */
        @Override
        public String toString() {
            return "MtaSettings[name=" + name + ", host=" + host + ", port=" + port + ", ssl=" + ssl + "]";
        }
    }

    /** The loopback HTTP endpoint with /healthz and /metrics; port 0 switches it off. */
    public record HealthSettings(Integer port) {
        public HealthSettings {
            port = port == null ? 8223 : port;
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("health.port must be between 0 (off) and 65535, not " + port);
            }
        }
    }

    /**
     * {@code path} to a MaxMind City or Country database (.mmdb); empty: iplocation answers "not configured".
     * {@code max_age_days}: status warns when the database is older (0: never). {@code account_id},
     * {@code license_key}, {@code edition} and {@code download_url} are for {@code kiam-ms geoip update};
     * {@code {edition}} in the URL is replaced by the edition.
     */
    public record GeoIpSettings(
            String path,
            @JsonProperty("max_age_days") Integer maxAgeDays,
            @JsonProperty("account_id") String accountId,
            @JsonProperty("license_key") String licenseKey,
            String edition,
            @JsonProperty("download_url") String downloadUrl) {

        public static final String DEFAULT_DOWNLOAD_URL =
                "https://download.maxmind.com/geoip/databases/{edition}/download?suffix=tar.gz";

        public GeoIpSettings {
            path = path == null ? "" : path.trim();
            maxAgeDays = maxAgeDays == null ? 35 : maxAgeDays;
            accountId = accountId == null ? "" : accountId.trim();
            licenseKey = licenseKey == null ? "" : licenseKey.trim();
            edition = edition == null || edition.isBlank() ? "GeoLite2-City" : edition.trim();
            downloadUrl = downloadUrl == null || downloadUrl.isBlank() ? DEFAULT_DOWNLOAD_URL : downloadUrl.trim();
            if (maxAgeDays < 0) {
                throw new IllegalArgumentException("geoip.max_age_days must be 0 (no warning) or more, not " + maxAgeDays);
            }
        }

        /** Never print the licence key, not even by accident. */
        @Override
        public String toString() {
            return "GeoIpSettings[path=" + path + ", maxAgeDays=" + maxAgeDays + ", accountId=" + accountId
                    + ", licenseKey=" + (licenseKey.isEmpty() ? "" : "***") + ", edition=" + edition
                    + ", downloadUrl=" + downloadUrl + "]";
        }
    }

    private static void requirePort(String key, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(key + " must be between 1 and 65535, not " + port);
        }
    }
}
