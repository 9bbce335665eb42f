package dev.kiamms.app.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads nats-server's monitoring endpoint (loopback HTTP): server facts and the connected clients. */
public final class BrokerMonitor {

    /** One client connection as the broker sees it. */
    public record Client(String name, String user, String ip, List<String> subscriptions) {
    }

    /** What {@code /varz} says about the server. */
    public record ServerInfo(String version, String serverId, Duration uptime, long connections, long inMsgs, long outMsgs) {
    }

    private final String baseUrl;
    private final ObjectMapper json = new ObjectMapper();

    public BrokerMonitor(int monitorPort) {
        this.baseUrl = "http://127.0.0.1:" + monitorPort;
    }

    public String baseUrl() {
        return baseUrl;
    }

    public ServerInfo server() throws IOException {
        JsonNode v = get("/varz");
        return new ServerInfo(v.path("version").asText(), v.path("server_id").asText(),
                parseGoDuration(v.path("uptime").asText()), v.path("connections").asLong(),
                v.path("in_msgs").asLong(), v.path("out_msgs").asLong());
    }

    /** When nats-server last read its configuration file; changes with every successful reload. */
    public String configLoadTime() throws IOException {
        return get("/varz").path("config_load_time").asText();
    }

    public List<Client> clients() throws IOException {
        JsonNode c = get("/connz?auth=true&subs=true&limit=1024");
        List<Client> out = new ArrayList<>();
        for (JsonNode conn : c.path("connections")) {
            List<String> subs = new ArrayList<>();
            conn.path("subscriptions_list").forEach(s -> subs.add(s.asText()));
            out.add(new Client(conn.path("name").asText(""), conn.path("authorized_user").asText(""),
                    conn.path("ip").asText("") + ":" + conn.path("port").asText(""), subs));
        }
        return out;
    }

    /** One JetStream stream and its consumers, as {@code /jsz} reports them. */
    public record StreamStatus(String name, long messages, long bytes, List<ConsumerStatus> consumers) {
    }

    public record ConsumerStatus(String name, long pending, long ackPending, long redelivered) {
    }

    public List<StreamStatus> jetStream() throws IOException {
        JsonNode jsz = get("/jsz?streams=true&consumers=true");
        List<StreamStatus> out = new ArrayList<>();
        for (JsonNode account : jsz.path("account_details")) {
            for (JsonNode stream : account.path("stream_detail")) {
                List<ConsumerStatus> consumers = new ArrayList<>();
                for (JsonNode c : stream.path("consumer_detail")) {
                    consumers.add(new ConsumerStatus(c.path("name").asText(), c.path("num_pending").asLong(),
                            c.path("num_ack_pending").asLong(), c.path("num_redelivered").asLong()));
                }
                out.add(new StreamStatus(stream.path("name").asText(), stream.path("state").path("messages").asLong(),
                        stream.path("state").path("bytes").asLong(), consumers));
            }
        }
        return out;
    }

    private JsonNode get(String path) throws IOException {
        HttpURLConnection http = (HttpURLConnection) new URL(baseUrl + path).openConnection();
        http.setConnectTimeout(1000);
        http.setReadTimeout(2000);
        try (InputStream in = http.getInputStream()) {
            return json.readTree(in);
        } finally {
            http.disconnect();
        }
    }

    /** nats-server writes uptime as Go's short form, e.g. {@code 1d2h3m4s}. */
    static Duration parseGoDuration(String text) {
        Duration d = Duration.ZERO;
        long number = 0;
        for (char ch : text.toCharArray()) {
            if (Character.isDigit(ch)) {
                number = number * 10 + (ch - '0');
                continue;
            }
            d = switch (ch) {
                case 'y' -> d.plusDays(365 * number);
                case 'd' -> d.plusDays(number);
                case 'h' -> d.plusHours(number);
                case 'm' -> d.plusMinutes(number);
                case 's' -> d.plusSeconds(number);
                default -> d;
            };
            number = 0;
        }
        return d;
    }
}
