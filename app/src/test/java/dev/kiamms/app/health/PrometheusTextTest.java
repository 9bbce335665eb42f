package dev.kiamms.app.health;

import dev.kiamms.bus.DurableEvents;
import dev.kiamms.mail.delivery.Attempt;
import dev.kiamms.metrics.CountingStats;
import dev.kiamms.metrics.HandlerCounts;
import dev.kiamms.metrics.StatsSnapshot;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exposition format rules, checked on what {@link PrometheusText} writes. */
class PrometheusTextTest {

    /** Buckets for a histogram: {@code counts[i]} messages in bucket i, the rest 0. */
    static List<Long> buckets(long... counts) {
        List<Long> b = new ArrayList<>();
        for (int i = 0; i < CountingStats.LATENCY_BUCKETS; i++) {
            b.add(i < counts.length ? counts[i] : 0L);
        }
        return b;
    }

    static Map<Attempt.Outcome, Long> attempts(long delivered, long notDelivered, long ambiguous) {
        Map<Attempt.Outcome, Long> m = new EnumMap<>(Attempt.Outcome.class);
        m.put(Attempt.Outcome.DELIVERED, delivered);
        m.put(Attempt.Outcome.NOT_DELIVERED, notDelivered);
        m.put(Attempt.Outcome.AMBIGUOUS, ambiguous);
        return m;
    }

    private static HealthSnapshot snapshot(Map<String, HandlerCounts> handlers, Map<String, Map<Attempt.Outcome, Long>> mail) {
        return new HealthSnapshot(true, List.of("kiam.console.action.iplocation"),
                new StatsSnapshot(Instant.EPOCH, handlers, Map.of(), mail), 2, 3, List.of(),
                List.of("durable consumer kiam-ms-audits: 7 message(s) waiting, none taken for 31 s"),
                List.of(new DurableEvents.ConsumerState("kiam-ms-audits", 7, 1, 4, 31_500)), 5, 3, Map.of());
    }

    @Test
    void labelValuesEscapeBackslashQuoteAndLineFeed() {
        assertEquals("plain", PrometheusText.escapeLabelValue("plain"));
        assertEquals("a\\\\b\\\"c\\nd", PrometheusText.escapeLabelValue("a\\b\"c\nd"));
        assertEquals("\\\\\\\\", PrometheusText.escapeLabelValue("\\\\"));
        assertEquals("tab\tand ünïcode", PrometheusText.escapeLabelValue("tab\tand ünïcode")); // left as they are
    }

    @Test
    void helpEscapesBackslashAndLineFeedButNotQuotes() {
        assertEquals("say \"hi\"\\\\\\n", PrometheusText.escapeHelp("say \"hi\"\\\n"));
    }

    @Test
    void secondsAreExactPlainNumbers() {
        assertEquals("0", PrometheusText.seconds(0));
        assertEquals("0.000000001", PrometheusText.seconds(1));
        assertEquals("0.0015", PrometheusText.seconds(1_500_000));
        assertEquals("12", PrometheusText.seconds(12_000_000_000L));
        assertEquals("9223372036.854775807", PrometheusText.seconds(Long.MAX_VALUE));
    }

    @Test
    void everyFamilyHasHelpAndTypeAndTheValuesOfTheSnapshot() {
        Map<String, HandlerCounts> handlers = new TreeMap<>();
        handlers.put("iplocation", new HandlerCounts(6, 1, 2, 3, 45_000_000L, buckets(1, 2, 0, 3)));
        handlers.put("kiam.console.audit.accountaddemail", new HandlerCounts(0, 4, 0, 0, 0, buckets()));
        Map<String, Map<Attempt.Outcome, Long>> mail = new TreeMap<>();
        mail.put("backup", attempts(1, 0, 0));
        mail.put("primary", attempts(7, 2, 1));
        Exposition e = Exposition.parse(PrometheusText.write(snapshot(handlers, mail)));

        assertEquals(Map.ofEntries(
                Map.entry("kiamms_broker_connected", "gauge"),
                Map.entry("kiamms_subscriptions", "gauge"),
                Map.entry("kiamms_broker_restarts_total", "counter"),
                Map.entry("kiamms_dead_letters_total", "counter"),
                Map.entry("kiamms_possibly_delivered_total", "counter"),
                Map.entry("kiamms_spool_waiting", "gauge"),
                Map.entry("kiamms_healthy", "gauge"),
                Map.entry("kiamms_durable_pending", "gauge"),
                Map.entry("kiamms_durable_ack_pending", "gauge"),
                Map.entry("kiamms_durable_stalled_seconds", "gauge"),
                Map.entry("kiamms_messages_total", "counter"),
                Map.entry("kiamms_message_duration_seconds", "histogram"),
                Map.entry("kiamms_mail_attempts_total", "counter")), e.types);
        assertEquals(1, e.value("kiamms_broker_connected", Map.of()));
        assertEquals(1, e.value("kiamms_subscriptions", Map.of()));
        assertEquals(2, e.value("kiamms_broker_restarts_total", Map.of()));
        assertEquals(3, e.value("kiamms_dead_letters_total", Map.of()));

        assertEquals(6, e.value("kiamms_messages_total", Map.of("subject", "iplocation", "outcome", "handled")));
        assertEquals(1, e.value("kiamms_messages_total", Map.of("subject", "iplocation", "outcome", "failed")));
        assertEquals(2, e.value("kiamms_messages_total", Map.of("subject", "iplocation", "outcome", "refused")));
        assertEquals(3, e.value("kiamms_messages_total", Map.of("subject", "iplocation", "outcome", "duplicate")));
        assertEquals(4, e.value("kiamms_messages_total",
                Map.of("subject", "kiam.console.audit.accountaddemail", "outcome", "failed")));

        assertEquals(List.of(Map.of("subject", "iplocation"), Map.of("subject", "kiam.console.audit.accountaddemail")),
                e.checkHistogram("kiamms_message_duration_seconds"));
        assertEquals(1, e.value("kiamms_message_duration_seconds_bucket", Map.of("subject", "iplocation", "le", "0.0005")));
        assertEquals(3, e.value("kiamms_message_duration_seconds_bucket", Map.of("subject", "iplocation", "le", "0.001")));
        assertEquals(3, e.value("kiamms_message_duration_seconds_bucket", Map.of("subject", "iplocation", "le", "0.0025")));
        assertEquals(6, e.value("kiamms_message_duration_seconds_bucket", Map.of("subject", "iplocation", "le", "0.005")));
        assertEquals(6, e.value("kiamms_message_duration_seconds_bucket", Map.of("subject", "iplocation", "le", "+Inf")));
        assertEquals(6, e.value("kiamms_message_duration_seconds_count", Map.of("subject", "iplocation")));
        assertEquals(0.045, e.value("kiamms_message_duration_seconds_sum", Map.of("subject", "iplocation")));
        assertEquals(0, e.value("kiamms_message_duration_seconds_count", Map.of("subject", "kiam.console.audit.accountaddemail")));

        assertEquals(7, e.value("kiamms_mail_attempts_total", Map.of("mta", "primary", "outcome", "delivered")));
        assertEquals(2, e.value("kiamms_mail_attempts_total", Map.of("mta", "primary", "outcome", "not_delivered")));
        assertEquals(1, e.value("kiamms_mail_attempts_total", Map.of("mta", "primary", "outcome", "ambiguous")));
        assertEquals(1, e.value("kiamms_mail_attempts_total", Map.of("mta", "backup", "outcome", "delivered")));
        assertEquals(0, e.value("kiamms_mail_attempts_total", Map.of("mta", "backup", "outcome", "ambiguous")));
    }

    @Test
    void theBucketBoundsAreTheConfiguredOnesAsPlainNumbers() {
        String text = PrometheusText.write(snapshot(Map.of("x", new HandlerCounts(0, 0, 0, 0, 0, buckets())), Map.of()));
        List<String> le = Exposition.parse(text).find("kiamms_message_duration_seconds_bucket", Map.of()).stream()
                .map(s -> s.label("le")).toList();
        assertEquals(List.of("0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5",
                "5", "10", "+Inf"), le);
    }

    @Test
    void awkwardNamesAreEscapedAndReadBack() {
        String subject = "kiam.console.notice.\"quoted\"\\back\nline";
        String mta = "mail \"1\"\\";
        String text = PrometheusText.write(snapshot(
                Map.of(subject, new HandlerCounts(1, 0, 0, 0, 700_000, buckets(0, 1))),
                Map.of(mta, attempts(1, 0, 0))));
        assertTrue(text.contains("subject=\"kiam.console.notice.\\\"quoted\\\"\\\\back\\nline\""), text);
        Exposition e = Exposition.parse(text);
        assertEquals(1, e.value("kiamms_messages_total", Map.of("subject", subject, "outcome", "handled")));
        assertEquals(1, e.value("kiamms_mail_attempts_total", Map.of("mta", mta, "outcome", "delivered")));
        assertEquals(List.of(Map.of("subject", subject)), e.checkHistogram("kiamms_message_duration_seconds"));
    }

    /** Counts read from an older stats file carry no histogram: the counters are written, the histogram is not. */
    @Test
    void countsWithoutAHistogramGiveNoHistogramSeries() {
        Exposition e = Exposition.parse(PrometheusText.write(snapshot(Map.of("iplocation", new HandlerCounts(5, 0, 0, 0, 10)),
                Map.of())));
        assertEquals(5, e.value("kiamms_messages_total", Map.of("subject", "iplocation", "outcome", "handled")));
        assertEquals(List.of(), e.checkHistogram("kiamms_message_duration_seconds"));
        assertEquals(List.of(), e.find("kiamms_message_duration_seconds_sum", Map.of()));
        Map<String, String> audits = Map.of("consumer", "kiam-ms-audits");
        assertEquals(7, e.value("kiamms_durable_pending", audits));
        assertEquals(1, e.value("kiamms_durable_ack_pending", audits));
        assertEquals(31, e.value("kiamms_durable_stalled_seconds", audits));
        assertEquals(5, e.value("kiamms_possibly_delivered_total", Map.of()));
        assertEquals(3, e.value("kiamms_spool_waiting", Map.of()));
        assertEquals(0, e.value("kiamms_healthy", Map.of()), "a degraded appliance is not healthy");
    }

    @Test
    void anEmptySnapshotIsStillValid() {
        HealthSnapshot empty = new HealthSnapshot(false, List.of(), Map.of(), Map.of(), 0, 0, List.of());
        Exposition e = Exposition.parse(PrometheusText.write(empty));
        assertEquals(0, e.value("kiamms_broker_connected", Map.of()));
        assertEquals(0, e.value("kiamms_subscriptions", Map.of()));
        assertEquals(7, e.samples.size());
        assertEquals(10, e.types.size());
        assertEquals(0, e.value("kiamms_healthy", Map.of()), "not connected: not healthy");
    }

    @Test
    void theSameSnapshotGivesTheSameText() {
        Map<String, HandlerCounts> handlers = new TreeMap<>(Map.of("b", new HandlerCounts(1, 0, 0, 0, 1, buckets(1)),
                "a", new HandlerCounts(2, 0, 0, 0, 2, buckets(2))));
        HealthSnapshot s = snapshot(handlers, Map.of());
        assertEquals(PrometheusText.write(s), PrometheusText.write(s));
        String text = PrometheusText.write(s);
        assertTrue(text.indexOf("subject=\"a\"") < text.indexOf("subject=\"b\""), "in the snapshot's (sorted) order");
    }
}
