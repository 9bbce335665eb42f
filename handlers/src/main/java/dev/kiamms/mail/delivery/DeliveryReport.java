package dev.kiamms.mail.delivery;

import java.util.List;

/**
 * A delivered message: which MTA took it, where that is (host:port, or the outbox file), and
 * every attempt made, failed ones first.
 */
public record DeliveryReport(String mta, String where, List<Attempt> attempts) {
}
