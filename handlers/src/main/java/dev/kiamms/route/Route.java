package dev.kiamms.route;

import dev.kiamms.protocol.Subjects;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How one notice or audit key reaches people: through which channels, with which mail template,
 * and which payload fields hold each channel's recipients (a field may hold one value or a list).
 *
 * @param title the subject line when the payload has no {@code subject} field; empty: none
 */
public record Route(String key, Kind kind, List<String> channels, String template, Map<String, List<String>> recipients,
                    String title) {

    /** Which kind of KrossIAM event the key names. */
    public enum Kind {
        AUDIT, NOTICE;

        public static Kind parse(String text) {
            return switch (text == null ? "" : text.strip().toLowerCase(Locale.ROOT)) {
                case "", "audit" -> AUDIT;
                case "notice" -> NOTICE;
                default -> throw new IllegalArgumentException("kind is '" + text + "'; use audit or notice");
            };
        }
    }

    public Route {
        if (key == null || !key.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("route key '" + key + "' must be letters, digits, '_' or '-'");
        }
        kind = kind == null ? Kind.AUDIT : kind;
        channels = List.copyOf(channels == null ? List.of() : channels);
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("route " + key + " names no channel");
        }
        template = template == null ? "" : template.strip();
        recipients = recipients == null ? Map.of() : Map.copyOf(recipients);
        title = title == null ? "" : title;
    }

    /** The NATS subject KrossIAM publishes this key's events on. */
    public String subject() {
        return kind == Kind.AUDIT ? Subjects.audit(key) : Subjects.notice(key);
    }

    /** The payload fields holding {@code channel}'s recipients; empty when the route names none. */
    public List<String> recipientFields(String channel) {
        return recipients.getOrDefault(channel, List.of());
    }
}
