package dev.kiamms.channel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;

/**
 * POSTs each event as JSON, {@code {"key","subject","reqid","payload"}}, signed with
 * {@link WebhookSignature}. 2xx is delivered; 408, 429, 5xx, a refused connection or a time-out
 * are retried later (the receiver sees the reqid in {@code X-Kiam-Reqid} and the body, so it can
 * drop a repeat); any other status is final.
 */
public final class WebhookChannel implements Channel {

    /** Where and how to post; {@code secret} keys the signature. */
    public record Config(URI url, String secret, Duration timeout) {
        public Config {
            HttpOutcomes.requireHttpUrl("the webhook url", url);
            timeout = timeout == null ? Duration.ofSeconds(10) : timeout;
        }

        @Override
        public String toString() {
            return "WebhookChannel.Config[url=" + HttpOutcomes.endpoint(url) + ", secret hidden, timeout=" + timeout + "]";
        }
    }

    private final Config config;
    private final WebhookSignature signature;
    private final HttpClient http;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    public WebhookChannel(Config config, Clock clock) {
        this.config = config;
        this.signature = new WebhookSignature(config.secret());
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String name() {
        return "webhook";
    }

    @Override
    public boolean needsRecipients() {
        return false;
    }

    @Override
    public SendOutcome send(Outgoing o) {
        byte[] body;
        try {
            ObjectNode event = json.createObjectNode();
            event.put("key", o.key());
            event.put("subject", o.subject());
            event.put("reqid", o.reqid());
            event.set("payload", o.payload());
            body = json.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            return new SendOutcome.Failed("cannot write the event as JSON: " + e.getOriginalMessage(), false);
        }
        long now = clock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(config.url())
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("X-Kiam-Reqid", o.reqid())
                .header(WebhookSignature.TIMESTAMP_HEADER, Long.toString(now))
                .header(WebhookSignature.SIGNATURE_HEADER, signature.sign(now, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            return HttpOutcomes.ofStatus("webhook", config.url(), response.statusCode());
        } catch (IOException e) {
            return HttpOutcomes.ofFailure("webhook", config.url(), e, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new SendOutcome.RetryLater("webhook " + HttpOutcomes.endpoint(config.url()) + ": interrupted (stopping)");
        }
    }
}
