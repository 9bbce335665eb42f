package dev.kiamms.channel;

import dev.kiamms.mail.template.MailTemplates;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.Template;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Supplier;

/**
 * Sends a text message through an HTTP SMS gateway described in configuration: one request per
 * phone number, its body made of named fields (form-encoded or a JSON object) whose values are
 * mustache templates over {@code phone}, {@code text}, {@code reqid} and {@code key}. The text is
 * the route template's {@code .txt} part. The gateway's credentials (basic-auth password, bearer
 * token) go in headers only and never into an outcome or a log line.
 */
public final class SmsChannel implements Channel {

    public enum BodyFormat { FORM, JSON }

    /** The variable that must appear in the body, or no message could reach anyone. */
    public static final String PHONE = "phone";

    /**
     * @param body     field name → mustache template of its value
     * @param headers  extra headers, e.g. an API key header the gateway wants (values are secret: never logged)
     * @param user     with {@code password}: HTTP basic authentication; empty: none
     * @param token    a bearer token ({@code Authorization: Bearer …}); empty: none
     */
    public record Config(String method, URI url, BodyFormat format, Map<String, String> body, Map<String, String> headers,
                         String user, String password, String token, Duration timeout) {
        public Config {
            method = method == null || method.isBlank() ? "POST" : method.strip().toUpperCase(Locale.ROOT);
            if (!method.equals("POST") && !method.equals("PUT")) {
                throw new IllegalArgumentException("the SMS gateway method must be POST or PUT, not " + method);
            }
            HttpOutcomes.requireHttpUrl("the SMS gateway url", url);
            format = format == null ? BodyFormat.FORM : format;
            body = body == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(body));
            headers = headers == null ? Map.of() : Map.copyOf(headers);
            user = user == null ? "" : user;
            password = password == null ? "" : password;
            token = token == null ? "" : token;
            timeout = timeout == null ? Duration.ofSeconds(10) : timeout;
            if (body.values().stream().noneMatch(v -> v != null && v.matches("(?s).*\\{\\{\\s*" + PHONE + "\\s*}}.*"))) {
                throw new IllegalArgumentException("the SMS gateway body has no field with {{" + PHONE + "}}: no message could reach anyone");
            }
        }

        @Override
        public String toString() {
            return "SmsChannel.Config[" + method + " " + HttpOutcomes.endpoint(url) + ", " + format + ", fields " + body.keySet()
                    + ", credentials hidden]";
        }
    }

    private final Config config;
    private final Supplier<MailTemplates> templates;
    private final Map<String, Template> fields = new LinkedHashMap<>();
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    public SmsChannel(Config config, Supplier<MailTemplates> templates) {
        this.config = config;
        this.templates = templates;
        Mustache.Compiler compiler = Mustache.compiler().escapeHTML(false).defaultValue("");
        // In the configured order: some gateways read the fields positionally.
        config.body().forEach((name, source) -> fields.put(name, compiler.compile(source)));
        this.http = HttpClient.newBuilder().connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String name() {
        return "sms";
    }

    @Override
    public boolean needsRecipients() {
        return true;
    }

    @Override
    public boolean sendsPerRecipient() {
        return true;
    }

    @Override
    public SendOutcome send(Outgoing o) {
        String text;
        try {
            text = templates.get().render(o.template(), o.locale(), o.data()).text().strip();
        } catch (RuntimeException e) {
            return new SendOutcome.Failed("cannot render the SMS text: " + e.getMessage(), false);
        }
        List<String> phones = o.recipients();
        String where = HttpOutcomes.endpoint(config.url());
        for (String phone : phones) {
            SendOutcome one = sendOne(o, phone.strip(), text);
            if (!(one instanceof SendOutcome.Delivered)) {
                return one;
            }
        }
        return new SendOutcome.Delivered(where);
    }

    private SendOutcome sendOne(Outgoing o, String phone, String text) {
        Map<String, Object> values = Map.of(PHONE, phone, "text", text, "reqid", o.reqid(), "key", o.key());
        String contentType;
        String body;
        if (config.format() == BodyFormat.JSON) {
            ObjectNode node = json.createObjectNode();
            fields.forEach((name, t) -> node.put(name, t.execute(values)));
            try {
                body = json.writeValueAsString(node);
            } catch (JsonProcessingException e) {
                return new SendOutcome.Failed("cannot write the SMS request as JSON: " + e.getOriginalMessage(), false);
            }
            contentType = "application/json";
        } else {
            StringJoiner form = new StringJoiner("&");
            fields.forEach((name, t) -> form.add(URLEncoder.encode(name, StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(t.execute(values), StandardCharsets.UTF_8)));
            body = form.toString();
            contentType = "application/x-www-form-urlencoded";
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(config.url())
                .timeout(config.timeout())
                .header("Content-Type", contentType)
                .method(config.method(), HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        config.headers().forEach(request::header);
        if (!config.user().isEmpty()) {
            String pair = config.user() + ":" + config.password();
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        } else if (!config.token().isEmpty()) {
            request.header("Authorization", "Bearer " + config.token());
        }
        try {
            HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
            return HttpOutcomes.ofStatus("SMS gateway", config.url(), response.statusCode());
        } catch (IOException e) {
            // A gateway that timed out may have sent the text: sending it again could reach the phone twice.
            return HttpOutcomes.ofFailure("SMS gateway", config.url(), e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new SendOutcome.RetryLater("SMS gateway " + HttpOutcomes.endpoint(config.url()) + ": interrupted (stopping)");
        }
    }
}
