package dev.kiamms.app.users;

import dev.kiamms.app.broker.BrokerConfigWriter;
import dev.kiamms.protocol.Subjects;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What an operator's app may do on the broker. Readers may only receive; a responder may
 * receive one action's requests in kiam-ms's queue group and publish into KrossIAM's reply
 * inboxes, nothing else; a service monitor may only ask kiam-ms's $SRV API and read the answers.
 * No role lets an app publish as KrossIAM or read another client's inbox.
 */
public sealed interface AppRole {

    /** An action key as it appears in the subject: one NATS token, no wildcards. */
    Pattern ACTION_KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** The role as the operator writes it, e.g. {@code notice-reader} or {@code action:iplocation}. */
    String name();

    /**
     * Subscribe permissions in nats-server's syntax; a queue permission is written
     * {@code "subject queue"}.
     */
    List<String> subscriptions(String queueGroup);

    /** Whether the app may publish replies into KrossIAM's inboxes ({@code kiam._inbox.>}). */
    default boolean answers() {
        return false;
    }

    /** Publish permissions in nats-server's syntax; none: the app publishes nothing. */
    default List<String> publications() {
        return answers() ? List.of(Subjects.INBOX_PREFIX + ".>") : List.of();
    }

    record NoticeReader() implements AppRole {
        public String name() {
            return "notice-reader";
        }

        public List<String> subscriptions(String queueGroup) {
            return List.of(Subjects.NOTICE_PREFIX + ">");
        }
    }

    record AuditReader() implements AppRole {
        public String name() {
            return "audit-reader";
        }

        public List<String> subscriptions(String queueGroup) {
            return List.of(Subjects.AUDIT_PREFIX + ">");
        }
    }

    record LogReader() implements AppRole {
        public String name() {
            return "log-reader";
        }

        public List<String> subscriptions(String queueGroup) {
            return List.of(Subjects.LOG);
        }
    }

    /** Answers one action, only as a member of kiam-ms's queue group, so each request has one answer. */
    record ActionResponder(String key) implements AppRole {
        public String name() {
            return "action:" + key;
        }

        public List<String> subscriptions(String queueGroup) {
            return List.of(Subjects.action(key) + " " + queueGroup);
        }

        @Override
        public boolean answers() {
            return true;
        }
    }

    /**
     * Asks kiam-ms's NATS micro-service API ({@code $SRV.PING}, {@code .INFO}, {@code .STATS}) and
     * reads the answers, nothing else. The answers come to its own inbox prefix
     * ({@value BrokerConfigWriter#SERVICE_MONITOR_INBOX}), which the app must set in its NATS
     * client (e.g. {@code nats --inbox-prefix}), because the usual {@code _INBOX.>} also carries
     * kiam-ms's own JetStream traffic.
     */
    record ServiceMonitor() implements AppRole {
        public String name() {
            return "service-monitor";
        }

        public List<String> subscriptions(String queueGroup) {
            return List.of(BrokerConfigWriter.SERVICE_MONITOR_INBOX + ".>");
        }

        @Override
        public List<String> publications() {
            return List.of(BrokerConfigWriter.SERVICE_API + ".>");
        }
    }

    /** The roles an operator may name, for help texts and error messages. */
    String CHOICES = "notice-reader, audit-reader, log-reader, service-monitor, action:KEY (e.g. action:iplocation)";

    /** @throws IllegalArgumentException with a message naming the valid roles */
    static AppRole parse(String text) {
        String t = text.strip();
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.startsWith("action:")) {
            String key = t.substring("action:".length());
            if (!ACTION_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("'" + text + "' is not a valid action role: the key is one word of letters, digits, '_' or '-', e.g. action:iplocation");
            }
            return new ActionResponder(key);
        }
        return switch (lower) {
            case "notice-reader" -> new NoticeReader();
            case "audit-reader" -> new AuditReader();
            case "log-reader" -> new LogReader();
            case "service-monitor" -> new ServiceMonitor();
            default -> throw new IllegalArgumentException("unknown role '" + text + "'; the roles are " + CHOICES);
        };
    }
}
