package dev.kiamms.app.broker;

import dev.kiamms.files.OwnerOnlyFiles;
import dev.kiamms.protocol.Subjects;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

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

    public record BrokerLayout(String serverName, String host, int port, int monitorPort, Path pidFile, Path logFile,
                               Path jetStreamDir, boolean debug, Cluster cluster, Tls tls) {
    }

    private BrokerConfigWriter() {
    }

    public static void write(Path configFile, BrokerLayout layout, BrokerCredentials credentials) throws IOException {
        OwnerOnlyFiles.directory(configFile.getParent());
        OwnerOnlyFiles.write(configFile, render(layout, credentials).getBytes(StandardCharsets.UTF_8));
    }

    static String render(BrokerLayout l, BrokerCredentials c) {
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
        s.append("# JetStream keeps audits and log records until kiam-ms has handled them.\n");
        s.append("jetstream {\n  store_dir: ").append(quote(l.jetStreamDir().toString())).append("\n}\n");
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
        // kiam-ms: reads everything KrossIAM publishes, may publish replies to requests it received,
        // and uses the JetStream API (stream, consumers, acknowledgements) but publishes nothing else.
        s.append("    {user: ").append(quote(BrokerCredentials.MSS))
                .append(", password: ").append(quote(c.password(BrokerCredentials.MSS)))
                .append(", permissions: {publish: {allow: [\"$JS.API.>\", \"$JS.ACK.>\"]}, subscribe: {allow: [")
                .append(quote(Subjects.ALL)).append(", \"_INBOX.>\"]}, allow_responses: true}}\n");
        s.append("  ]\n}\n");
        return s.toString();
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
