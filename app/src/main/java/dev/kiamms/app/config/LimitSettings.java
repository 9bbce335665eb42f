package dev.kiamms.app.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kiamms.limit.SendLimit;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One per-recipient send limit under {@code service.limits.<action or route>}: at most {@code max}
 * mails to one address within {@code per_minutes}. {@code max: 0} switches the limit off.
 * {@code sendverifyemail} is limited by default (5 in 10 minutes), whatever the file says of others.
 */
public record LimitSettings(Integer max, @JsonProperty("per_minutes") Integer perMinutes) {

    public static final String SEND_VERIFY_EMAIL = "sendverifyemail";
    private static final LimitSettings VERIFY_EMAIL_DEFAULT = new LimitSettings(5, 10);

    public LimitSettings {
        max = max == null ? 5 : max;
        perMinutes = perMinutes == null ? 10 : perMinutes;
        if (max < 0 || perMinutes < 1) {
            throw new IllegalArgumentException("a service.limits entry needs max 0 or more (0: no limit) and per_minutes 1 or more");
        }
    }

    /** The limit, or empty when {@code max} is 0. */
    public Optional<SendLimit> limit() {
        return max == 0 ? Optional.empty() : Optional.of(new SendLimit(max, Duration.ofMinutes(perMinutes)));
    }

    /**
     * The limits as given, keys lowercased ({@code send_verify_email} read as {@code sendverifyemail}),
     * with the default for {@code sendverifyemail} when the file does not set it.
     */
    public static Map<String, LimitSettings> withDefaults(Map<String, LimitSettings> given) {
        Map<String, LimitSettings> out = new TreeMap<>();
        if (given != null) {
            given.forEach((k, v) -> {
                String key = k.strip().toLowerCase(Locale.ROOT);
                out.put(key.equals("send_verify_email") ? SEND_VERIFY_EMAIL : key, v != null ? v : new LimitSettings(null, null));
            });
        }
        out.putIfAbsent(SEND_VERIFY_EMAIL, VERIFY_EMAIL_DEFAULT);
        return Map.copyOf(out);
    }

    /** The limits in force, for the send budget: those with {@code max} 0 left out. */
    public static Map<String, SendLimit> inForce(Map<String, LimitSettings> limits) {
        Map<String, SendLimit> out = new TreeMap<>();
        limits.forEach((k, v) -> v.limit().ifPresent(l -> out.put(k, l)));
        return Map.copyOf(out);
    }
}
