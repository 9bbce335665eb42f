package dev.kiamms.app.config;

import dev.kiamms.channel.Channel;
import dev.kiamms.channel.EmailChannel;
import dev.kiamms.channel.RecordedChannel;
import dev.kiamms.channel.SmsChannel;
import dev.kiamms.channel.WebhookChannel;
import dev.kiamms.mail.MailComposer;
import dev.kiamms.mail.delivery.AttemptLog;
import dev.kiamms.mail.delivery.MailDelivery;
import dev.kiamms.mail.template.MailTemplates;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code channels:} section: the webhook and the SMS gateway that routes may use. The
 * {@code email} channel is always there (it uses the {@code mail:} section's MTAs); the other two
 * exist only when configured. Secrets (the webhook secret, the gateway's password, token and
 * header values) never appear in {@link #toString()}.
 */
public record ChannelSettings(WebhookSettings webhook, SmsSettings sms) {

    /** The names routes may use, given this configuration. */
    public List<String> names() {
        List<String> out = new ArrayList<>(List.of("email"));
        if (webhook != null) {
            out.add("webhook");
        }
        if (sms != null) {
            out.add("sms");
        }
        return out;
    }

    /**
     * The configured channels, ready to send; suppliers, so that a reload takes effect with the next
     * message. The webhook's and the gateway's every send is kept in {@code attempts} (the mail
     * delivery keeps its own).
     */
    public List<Channel> open(Supplier<MailComposer> composer, Supplier<MailDelivery> delivery, Supplier<MailTemplates> templates,
                              AttemptLog attempts) {
        List<Channel> out = new ArrayList<>(List.of(new EmailChannel(composer, delivery)));
        if (webhook != null) {
            WebhookChannel.Config c = webhook.config();
            out.add(new RecordedChannel(new WebhookChannel(c, Clock.systemUTC()), hostAndPort(c.url()), attempts, Clock.systemUTC()));
        }
        if (sms != null) {
            SmsChannel.Config c = sms.config();
            out.add(new RecordedChannel(new SmsChannel(c, templates), hostAndPort(c.url()), attempts, Clock.systemUTC()));
        }
        return out;
    }

    /** What the attempt log shows of a URL: its host and port, never a path or query (they may hold a token). */
    private static String hostAndPort(URI url) {
        int port = url.getPort() >= 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        return url.getHost() + ":" + port;
    }

    /** POST every routed event, signed with {@code secret} (HMAC-SHA256). */
    public record WebhookSettings(String url, String secret, @JsonProperty("timeout_seconds") Integer timeoutSeconds) {
        public WebhookSettings {
            timeoutSeconds = timeoutSeconds == null ? 10 : timeoutSeconds;
            if (secret == null || secret.isBlank()) {
                throw new IllegalArgumentException("channels.webhook.secret is empty; set a long random string the receiver also knows");
            }
            requireTimeout("channels.webhook.timeout_seconds", timeoutSeconds);
            httpUrl("channels.webhook.url", url);
        }

        WebhookChannel.Config config() {
            return new WebhookChannel.Config(httpUrl("channels.webhook.url", url), secret, Duration.ofSeconds(timeoutSeconds));
        }

        @Override
        public String toString() {
            return "WebhookSettings[url=" + shown(url) + ", secret hidden, timeout_seconds=" + timeoutSeconds + "]";
        }
    }

    /**
     * An HTTP SMS gateway: {@code body} maps each request field to a mustache template over
     * {@code phone}, {@code text}, {@code reqid} and {@code key}, sent as a form or JSON.
     */
    public record SmsSettings(String method, String url, String format, Map<String, String> body, Map<String, String> headers,
                              String user, String password, String token,
                              @JsonProperty("timeout_seconds") Integer timeoutSeconds) {
        public SmsSettings {
            timeoutSeconds = timeoutSeconds == null ? 10 : timeoutSeconds;
            requireTimeout("channels.sms.timeout_seconds", timeoutSeconds);
            httpUrl("channels.sms.url", url);
            try {
                config(method, url, format, body, headers, user, password, token, timeoutSeconds);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("channels.sms: " + e.getMessage());
            }
        }

        SmsChannel.Config config() {
            return config(method, url, format, body, headers, user, password, token, timeoutSeconds);
        }

        private static SmsChannel.Config config(String method, String url, String format, Map<String, String> body,
                                                Map<String, String> headers, String user, String password, String token, int timeout) {
            SmsChannel.BodyFormat f = switch (format == null ? "form" : format.strip().toLowerCase(Locale.ROOT)) {
                case "form" -> SmsChannel.BodyFormat.FORM;
                case "json" -> SmsChannel.BodyFormat.JSON;
                default -> throw new IllegalArgumentException("format is '" + format + "'; use form or json");
            };
            if (user != null && !user.isEmpty() && token != null && !token.isEmpty()) {
                throw new IllegalArgumentException("give user/password (basic authentication) or token (bearer), not both");
            }
            return new SmsChannel.Config(method, URI.create(url.strip()), f, body, headers, user, password, token, Duration.ofSeconds(timeout));
        }

        @Override
        public String toString() {
            return "SmsSettings[" + method + " " + shown(url) + ", format=" + format + ", fields=" + (body == null ? "[]" : body.keySet())
                    + ", headers=" + (headers == null ? "[]" : headers.keySet()) + ", credentials hidden]";
        }
    }

    /** Scheme, host and port only: some services put a token in the path or query. */
    private static String shown(String url) {
        URI u = URI.create(url.strip());
        return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()) + "/…";
    }

    private static void requireTimeout(String key, int seconds) {
        if (seconds < 1 || seconds > 300) {
            throw new IllegalArgumentException(key + " must be 1 to 300, not " + seconds);
        }
    }

    private static URI httpUrl(String key, String url) {
        try {
            URI u = new URI(url == null ? "" : url.strip());
            if (!("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme())) || u.getHost() == null) {
                throw new IllegalArgumentException(key + " must be an http:// or https:// URL, not '" + (url == null ? "" : url) + "'");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(key + " is not a URL (" + e.getReason() + ")");
        }
    }
}
