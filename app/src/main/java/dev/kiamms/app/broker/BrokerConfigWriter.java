package dev.kiamms.app.broker;

import dev.kiamms.bus.AttemptStream;
import dev.kiamms.bus.DeliveryLedger;
import dev.kiamms.bus.KvSendBudget;
import dev.kiamms.files.OwnerOnlyFiles;
import dev.kiamms.protocol.Subjects;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Writes the nats-server configuration for the managed broker: where it listens, its monitoring
 * endpoint (loopback only), its pid and log files, and the users with their permissions. No user
 * means no access: anonymous clients are refused.
 */
public final class BrokerConfigWriter {

    /** Everything the writer needs to know, resolved to absolute paths. */
    /** Cluster routes of this node; {@code null} for a single appliance. */
    public record Cluster(String name, String listen, java.util.List<String> routes, String user, String password) {
    }

    /** TLS for clients; {@code ca} may be null. */
    public record Tls(Path cert, Path key, Path ca) {
    }

    /** @param syncInterval nats-server's JetStream {@code sync_interval}: {@code always} or a duration */
    public record BrokerLayout(String serverName, String host, int port, int monitorPort, Path pidFile, Path logFile,
                               Path jetStreamDir, String syncInterval, boolean debug, Cluster cluster, Tls tls) {
    }

    private BrokerConfigWriter() {
    }

    /** The NATS micro-service API's subject prefix (ADR-32): kiam-ms answers {@code $SRV.>}. */
    public static final String SERVICE_API = "$SRV";
    /** Where a service monitor's requests get their answers: its NATS client's inbox prefix. */
    public static final String SERVICE_MONITOR_INBOX = "_SRV_INBOX";

    /**
     * A user besides kiam-ms's own (an operator's app): it publishes only where
     * {@code publications} allow (replies into KrossIAM's inboxes, $SRV requests), else nothing.
     * {@code toString} hides the password.
     *
     * @param subscriptions nats-server subscribe permissions; {@code "subject queue"} limits a subject to one queue group
     * @param publications  nats-server publish permissions; empty: it publishes nothing
     */
    public record User(String name, String password, List<String> subscriptions, List<String> publications) {
        public User {
            subscriptions = List.copyOf(subscriptions);
            publications = List.copyOf(publications);
        }

        @Override
        public String toString() {
            return "User[" + name + " " + subscriptions + "]";
        }
    }

    /** @return whether the file changed (nats-server needs a reload signal only then) */
    public static boolean write(Path configFile, BrokerLayout layout, BrokerCredentials credentials, List<User> apps) throws IOException {
        OwnerOnlyFiles.directory(configFile.getParent());
        byte[] content = render(layout, credentials, apps).getBytes(StandardCharsets.UTF_8);
        if (Files.isRegularFile(configFile) && Arrays.equals(Files.readAllBytes(configFile), content)) {
            return false;
        }
        OwnerOnlyFiles.write(configFile, content);
        return true;
    }

    static String render(BrokerLayout l, BrokerCredentials c, List<User> apps) {
        StringBuilder s = new StringBuilder(1024);
        s.append("# Written by kiam-ms at every start from its own configuration; edits here are lost.\n");
        s.append("server_name: ").append(quote(l.serverName())).append('\n');
        s.append("host: ").append(quote(l.host())).append('\n');
        s.append("port: ").append(l.port()).append('\n');
        s.append("# Monitoring (varz, connz) for 'kiam-ms status': loopback only, it has no authentication.\n");
        s.append("http: ").append(quote("127.0.0.1:" + l.monitorPort())).append('\n');
        s.append("pid_file: ").append(quote(l.pidFile().toString())).append('\n');
        s.append("log_file: ").append(quote(l.logFile().toString())).append('\n');
        s.append("logtime: true\n");
        s.append("debug: ").append(l.debug()).append('\n');
        s.append("# JetStream keeps audits and log records until kiam-ms has handled them. With sync_interval\n");
        s.append("# always, a message is on disk (fsync) before the broker confirms it: it survives power loss.\n");
        s.append("jetstream {\n  store_dir: ").append(quote(l.jetStreamDir().toString()))
                .append("\n  sync_interval: ").append(l.syncInterval()).append("\n}\n");
        if (l.tls() != null) {
            s.append("tls {\n  cert_file: ").append(quote(l.tls().cert().toString()))
                    .append("\n  key_file: ").append(quote(l.tls().key().toString())).append('\n');
            if (l.tls().ca() != null) {
                s.append("  ca_file: ").append(quote(l.tls().ca().toString())).append('\n');
            }
            s.append("}\n");
        }
        if (l.cluster() != null) {
            Cluster cl = l.cluster();
            s.append("cluster {\n  name: ").append(quote(cl.name())).append("\n  listen: ").append(quote(cl.listen())).append('\n');
            if (!cl.user().isEmpty()) {
                s.append("  authorization {user: ").append(quote(cl.user())).append(", password: ").append(quote(cl.password()))
                        .append("}\n");
            }
            s.append("  routes: [");
            for (int i = 0; i < cl.routes().size(); i++) {
                s.append(i == 0 ? "" : ", ").append(quote(cl.routes().get(i)));
            }
            s.append("]\n}\n");
        }
        s.append('\n');
        s.append("authorization {\n  users: [\n");
        // KrossIAM: publishes requests and events, and reads only its own reply inbox.
        s.append("    {user: ").append(quote(BrokerCredentials.KIAM))
                .append(", password: ").append(quote(c.password(BrokerCredentials.KIAM)))
                .append(", permissions: {publish: {allow: [").append(quote(Subjects.ALL))
                .append("]}, subscribe: {allow: [").append(quote(Subjects.INBOX_PREFIX + ".>")).append("]}}}\n");
        // kiam-ms: reads everything KrossIAM publishes, answers requests and uses the JetStream API
        // (stream, consumers, acknowledgements) but publishes nothing else. Replies to KrossIAM are
        // allowed by its inbox prefix, not by allow_responses: nats-server forgets those grants
        // when it reloads its configuration (kiam-ms users), so a reply in flight would be refused.
        // Measured with UsersUnderLoadTest on 2.9.10 and again on 2.15.1, where allow_responses
        // alone still lost requests across the reloads. With both set, 2.9.10's CPU per request
        // grew about 25-fold (scripts/bench); 2.15.1 no longer does that.
        s.append("    {user: ").append(quote(BrokerCredentials.MSS))
                .append(", password: ").append(quote(c.password(BrokerCredentials.MSS)))
                .append(", permissions: {publish: {allow: [\"$JS.API.>\", \"$JS.ACK.>\", ").append(quote(DeliveryLedger.WRITE_SUBJECTS)).append(", ")
                .append(quote(AttemptStream.WRITE_SUBJECTS)).append(", ")
                .append(quote(KvSendBudget.WRITE_SUBJECTS)).append(", ")
                // Its log of delivery attempts and the per-recipient send counts; audits its spool moves into the stream when the stream missed them.
                .append(quote(Subjects.AUDIT_PREFIX + ">")).append(", ").append(quote(Subjects.INBOX_PREFIX + ".>"))
                // Answers to $SRV requests (ADR-32) from service monitors, who read them under their own prefix.
                .append(", ").append(quote(SERVICE_MONITOR_INBOX + ".>"))
                .append("]}, subscribe: {allow: [").append(quote(Subjects.ALL)).append(", \"_INBOX.>\", ")
                .append(quote(SERVICE_API + ".>")).append("]}}}\n");
        // kiam-ms tail: watches, never publishes.
        user(s, BrokerCredentials.TAIL, c.password(BrokerCredentials.TAIL), List.of(Subjects.ALL), List.of());
        if (!apps.isEmpty()) {
            s.append("    # The operator's apps (kiam-ms users): each reads only what its roles allow, publishes only replies.\n");
        }
        for (User app : apps) {
            user(s, app.name(), app.password(), app.subscriptions(), app.publications());
        }
        s.append("  ]\n}\n");
        return s.toString();
    }

    /**
     * A user who subscribes only where listed and publishes only where listed (replies into
     * KrossIAM's inboxes are listed, not allow_responses, for the same reload reason as kiam-ms's
     * own user), or nothing.
     */
    private static void user(StringBuilder s, String name, String password, List<String> subscriptions, List<String> publications) {
        s.append("    {user: ").append(quote(name)).append(", password: ").append(quote(password))
                .append(", permissions: {publish: ")
                .append(publications.isEmpty() ? "{deny: [\">\"]}" : "{allow: [" + quoted(publications) + "]}")
                .append(", subscribe: {allow: [").append(quoted(subscriptions)).append("]}}}\n");
    }

    private static String quoted(List<String> values) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            out.append(i == 0 ? "" : ", ").append(quote(values.get(i)));
        }
        return out.toString();
    }

    /** A double-quoted string in nats-server's configuration syntax. */
    static String quote(String value) {
        StringBuilder q = new StringBuilder(value.length() + 2).append('"');
        for (char ch : value.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                q.append('\\');
            }
            q.append(ch);
        }
        return q.append('"').toString();
    }
}
