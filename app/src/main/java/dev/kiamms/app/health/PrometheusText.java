package dev.kiamms.app.health;

import dev.kiamms.bus.DurableEvents;
import dev.kiamms.mail.delivery.Attempt;
import dev.kiamms.metrics.CountingStats;
import dev.kiamms.metrics.HandlerCounts;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The metrics of a {@link HealthSnapshot} in Prometheus' text exposition format, version 0.0.4:
 * each family once, with its {@code # HELP} and {@code # TYPE} lines and then all its samples;
 * label values escaped ({@code \\}, {@code \"}, {@code \n}); histograms as cumulative
 * {@code _bucket} series ending in {@code le="+Inf"}, then {@code _sum} and {@code _count}.
 * A pure function: the same snapshot gives the same text.
 */
public final class PrometheusText {

    /** The Content-Type of the text. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** The {@code le} label values of the latency histogram, +Inf last. */
    private static final List<String> LE = leValues();

    private PrometheusText() {
    }

    private static String consumerLabel(DurableEvents.ConsumerState c) {
        return "consumer=\"" + escapeLabelValue(c.name()) + "\"";
    }

    public static String write(HealthSnapshot s) {
        StringBuilder out = new StringBuilder(4096);

        family(out, "kiamms_broker_connected", "gauge",
                "1 when kiam-ms's subscribers are connected to the broker, else 0.");
        sample(out, "kiamms_broker_connected", null, s.brokerConnected() ? "1" : "0");

        family(out, "kiamms_subscriptions", "gauge",
                "Subjects and durable consumers kiam-ms answers or consumes now.");
        sample(out, "kiamms_subscriptions", null, Integer.toString(s.subscriptions().size()));

        family(out, "kiamms_broker_restarts_total", "counter",
                "Restarts of the managed nats-server since kiam-ms started.");
        sample(out, "kiamms_broker_restarts_total", null, Integer.toString(s.brokerRestarts()));

        family(out, "kiamms_dead_letters_total", "counter",
                "Audits that failed after their last attempt and became dead letters, since kiam-ms started.");
        sample(out, "kiamms_dead_letters_total", null, Long.toString(s.deadLetters()));

        family(out, "kiamms_possibly_delivered_total", "counter",
                "Audits kept as dead letters, not mailed again, because an earlier attempt may have mailed them (a crash "
                        + "during the send), since kiam-ms started.");
        sample(out, "kiamms_possibly_delivered_total", null, Long.toString(s.possiblyDelivered()));

        family(out, "kiamms_spool_waiting", "gauge",
                "Audits in this node's spool that the stream has not taken yet (JetStream unavailable, or a backlog).");
        sample(out, "kiamms_spool_waiting", null, Integer.toString(s.spoolWaiting()));

        if (!s.sendLimits().isEmpty()) { // from the first mail a limit decided on
            family(out, "kiamms_send_limit_total", "counter",
                    "Mails per action or route with a per-recipient send limit, by what the limit said: allowed, over_limit "
                            + "(refused: the address had its budget) or unavailable (refused: the limit's store did not answer).");
            s.sendLimits().forEach((action, c) -> {
                String label = "action=\"" + escapeLabelValue(action) + "\"";
                sample(out, "kiamms_send_limit_total", label + ",outcome=\"allowed\"", Long.toString(c.allowed()));
                sample(out, "kiamms_send_limit_total", label + ",outcome=\"over_limit\"", Long.toString(c.overLimit()));
                sample(out, "kiamms_send_limit_total", label + ",outcome=\"unavailable\"", Long.toString(c.unavailable()));
            });
        }

        family(out, "kiamms_healthy", "gauge", "1 when /healthz says ok, else 0 (degraded or unhealthy).");
        sample(out, "kiamms_healthy", null, s.problems().isEmpty() ? "1" : "0");

        if (!s.consumers().isEmpty()) {
            family(out, "kiamms_durable_pending", "gauge", "Messages in the stream not yet delivered to kiam-ms, per durable consumer.");
            for (DurableEvents.ConsumerState c : s.consumers()) {
                sample(out, "kiamms_durable_pending", consumerLabel(c), Long.toString(c.pending()));
            }
            family(out, "kiamms_durable_ack_pending", "gauge", "Messages delivered and not yet acknowledged (in hand or waiting for a retry), per durable consumer.");
            for (DurableEvents.ConsumerState c : s.consumers()) {
                sample(out, "kiamms_durable_ack_pending", consumerLabel(c), Long.toString(c.ackPending()));
            }
            family(out, "kiamms_durable_stalled_seconds", "gauge", "How long a durable consumer has had messages waiting and taken none (0: keeping up).");
            for (DurableEvents.ConsumerState c : s.consumers()) {
                sample(out, "kiamms_durable_stalled_seconds", consumerLabel(c), Long.toString(c.stalledMillis() / 1000));
            }
        }

        family(out, "kiamms_messages_total", "counter",
                "Messages per action key or event subject, by what became of them: handled, failed (the handler "
                        + "failed), refused (bad envelope or payload, no handler) or duplicate (a repeated reqid, not run again).");
        for (Map.Entry<String, HandlerCounts> e : s.handlers().entrySet()) {
            HandlerCounts c = e.getValue();
            String subject = "subject=\"" + escapeLabelValue(e.getKey()) + "\"";
            sample(out, "kiamms_messages_total", subject + ",outcome=\"handled\"", Long.toString(c.handled()));
            sample(out, "kiamms_messages_total", subject + ",outcome=\"failed\"", Long.toString(c.failed()));
            sample(out, "kiamms_messages_total", subject + ",outcome=\"refused\"", Long.toString(c.refused()));
            sample(out, "kiamms_messages_total", subject + ",outcome=\"duplicate\"", Long.toString(c.duplicates()));
        }

        family(out, "kiamms_message_duration_seconds", "histogram",
                "Time to handle a message that was handled (intake, handler and reply), per action key or event subject.");
        for (Map.Entry<String, HandlerCounts> e : s.handlers().entrySet()) {
            List<Long> buckets = e.getValue().latencyBuckets();
            if (buckets.size() != LE.size()) {
                continue; // counts without a histogram
            }
            String subject = "subject=\"" + escapeLabelValue(e.getKey()) + "\"";
            long cumulative = 0;
            for (int i = 0; i < LE.size(); i++) {
                cumulative += buckets.get(i);
                sample(out, "kiamms_message_duration_seconds_bucket", subject + ",le=\"" + LE.get(i) + "\"",
                        Long.toString(cumulative));
            }
            sample(out, "kiamms_message_duration_seconds_sum", subject, seconds(e.getValue().totalNanos()));
            // The +Inf bucket, not handled(): both are read while messages are counted, and a
            // histogram's _count must equal its +Inf bucket.
            sample(out, "kiamms_message_duration_seconds_count", subject, Long.toString(cumulative));
        }

        family(out, "kiamms_mail_attempts_total", "counter",
                "Attempts to hand a mail to an MTA, by MTA name and outcome: delivered, not_delivered (certainly "
                        + "not delivered; the next MTA is tried) or ambiguous (may have been delivered; not resent).");
        for (Map.Entry<String, Map<Attempt.Outcome, Long>> e : s.mailAttempts().entrySet()) {
            String mta = "mta=\"" + escapeLabelValue(e.getKey()) + "\"";
            for (Attempt.Outcome o : Attempt.Outcome.values()) {
                Long n = e.getValue().get(o);
                sample(out, "kiamms_mail_attempts_total", mta + ",outcome=\"" + o.name().toLowerCase(Locale.ROOT) + "\"",
                        Long.toString(n == null ? 0 : n));
            }
        }
        return out.toString();
    }

    /** A label value as the format wants it between double quotes: backslash, double quote and line feed escaped. */
    public static String escapeLabelValue(String value) {
        return escape(value, true);
    }

    /** A HELP text: backslash and line feed escaped. */
    static String escapeHelp(String text) {
        return escape(text, false);
    }

    private static String escape(String s, boolean quote) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '"' && quote ? "\\\"" : null;
            if (r != null && b == null) {
                b = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (b != null) {
                if (r != null) {
                    b.append(r);
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }

    /** Nanoseconds as seconds, exactly and without an exponent: 1500000 gives 0.0015. */
    static String seconds(long nanos) {
        return BigDecimal.valueOf(nanos).movePointLeft(9).stripTrailingZeros().toPlainString();
    }

    private static void family(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** @param labels already escaped {@code name="value"} pairs, comma-separated; null for none */
    private static void sample(StringBuilder out, String name, String labels, String value) {
        out.append(name);
        if (labels != null) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(value).append('\n');
    }

    private static List<String> leValues() {
        List<String> le = new ArrayList<>();
        for (double bound : CountingStats.LATENCY_BOUNDS_SECONDS) {
            le.add(BigDecimal.valueOf(bound).stripTrailingZeros().toPlainString());
        }
        le.add("+Inf");
        return List.copyOf(le);
    }
}
