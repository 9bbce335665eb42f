package dev.kiamms.channel;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * One event on its way out through one channel.
 *
 * @param key        the notice or audit key, e.g. {@code accountaddemail}
 * @param subject    the NATS subject the event came on
 * @param template   the mail template whose parts are rendered (the SMS text is its {@code .txt} part)
 * @param title      the mail subject line (without the configured prefix)
 * @param recipients addresses or phone numbers taken from the payload; empty for a webhook
 * @param data       the template's values
 * @param payload    the event's payload as KrossIAM sent it (the webhook posts it)
 */
public record Outgoing(String reqid, String key, String subject, String template, String locale, String title,
                       List<String> recipients, Map<String, Object> data, JsonNode payload) {

    public Outgoing {
        recipients = List.copyOf(recipients);
        data = Map.copyOf(data);
    }
}
