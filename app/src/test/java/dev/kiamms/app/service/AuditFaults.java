package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.mail.AccountAddEmailAudit;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.ProtocolVersion;
import dev.kiamms.protocol.Subjects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.nats.client.Connection;
import io.nats.client.Message;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** What the fault tests of durable audits share: publishing with the stream's receipt, and reading /healthz. */
final class AuditFaults {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private AuditFaults() {
    }

    static String kiamUrl(InstancePaths paths, int port) throws IOException {
        return "nats://" + BrokerCredentials.KIAM + ":" + BrokerCredentials.read(paths.credentialsFile()).password(BrokerCredentials.KIAM)
                + "@127.0.0.1:" + port;
    }

    static String mssUrl(InstancePaths paths, int port) throws IOException {
        return "nats://" + BrokerCredentials.MSS + ":" + BrokerCredentials.read(paths.credentialsFile()).password(BrokerCredentials.MSS)
                + "@127.0.0.1:" + port;
    }

    static AccountAddEmailAudit audit(int i) {
        return new AccountAddEmailAudit("new" + i + "@example.com", "user" + i, "https://iam.example.com", "en",
                List.of("user" + i + "@example.com"), "Address added");
    }

    /**
     * Publishes an audit as KrossIAM does and asks the stream for its receipt.
     *
     * @return the stream's answer ({@code {"stream":…,"seq":…}} or an error), null when none came
     */
    static String publishWithReceipt(Connection nc, String reqid, Object payload) throws InterruptedException {
        byte[] body = new EnvelopeCodec().encodeEnvelope(ProtocolVersion.SERVER.toString(), MicroClock.system().nowMicros(), reqid, payload);
        Message receipt = nc.request(Subjects.audit("accountaddemail"), body, Duration.ofSeconds(2));
        return receipt == null || receipt.getData() == null ? null : new String(receipt.getData(), StandardCharsets.UTF_8);
    }

    static String publishConfirmed(KrossIamClient kiam, int i) throws InterruptedException {
        String reqid = KrossIamClient.newReqid();
        String receipt = publishWithReceipt(kiam.connection(), reqid, audit(i));
        if (receipt == null || !receipt.contains("\"seq\"")) {
            throw new IllegalStateException("the stream did not confirm audit " + i + ": " + receipt);
        }
        return reqid;
    }

    /** GET /healthz: its status code and JSON body. */
    record Health(int code, JsonNode body) {
        String status() {
            return body.path("status").asText();
        }

        String problems() {
            return body.path("problems").toString();
        }
    }

    static Health health(int port) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return new Health(r.statusCode(), JSON.readTree(r.body()));
        } catch (IOException e) {
            throw new IllegalStateException("no answer from /healthz on port " + port + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
