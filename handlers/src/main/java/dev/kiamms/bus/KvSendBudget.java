package dev.kiamms.bus;

import dev.kiamms.limit.SendBudget;
import dev.kiamms.limit.SendLimit;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.KeyValueOptions;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.StorageType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@link SendBudget} of every kiam-ms on the broker, kept in the JetStream key-value bucket
 * {@value #BUCKET}. One key per action and recipient holds the times of the mails counted in the
 * window; a send reads it, drops the times that left the window and writes it back with the
 * revision it read (compare-and-set), so two instances counting at once cannot both slip under
 * the limit: the second write fails and that send reads and decides again.
 *
 * <p>The key is a SHA-256 of the action and the lowercased address, so the bucket never holds an
 * address in clear. The bucket's TTL is the longest window: a key that was not written for that
 * long counts nothing anyway.
 */
public final class KvSendBudget implements SendBudget {

    public static final String BUCKET = "KIAM_LIMITS";
    /** The subjects the bucket's writes go to: kiam-ms's broker user needs to publish there. */
    public static final String WRITE_SUBJECTS = "$KV." + BUCKET + ".>";

    /** The API error of a write whose expected revision is no longer the key's latest. */
    private static final int WRONG_LAST_SEQUENCE = 10071;
    /** Compare-and-set rounds before giving up: only a burst of sends to one address loses this many. */
    private static final int ROUNDS = 20;

    private final KeyValue kv;
    private final Map<String, SendLimit> limits;
    private final Clock clock;

    private KvSendBudget(KeyValue kv, Map<String, SendLimit> limits, Clock clock) {
        this.kv = kv;
        this.limits = Map.copyOf(limits);
        this.clock = clock;
    }

    /**
     * Creates the bucket if needed (or sets its TTL to the longest window) and opens it.
     *
     * @param limits      per action key or route name; an action not named here is not limited
     * @param replicas    copies of the bucket (as the audit stream has)
     * @param callTimeout how long one read or write may take before the send is refused
     */
    public static KvSendBudget open(Connection connection, Map<String, SendLimit> limits, int replicas, Duration callTimeout,
                                    Clock clock) throws IOException, JetStreamApiException {
        Duration ttl = limits.values().stream().map(SendLimit::window).max(Duration::compareTo).orElse(Duration.ofMinutes(1));
        KeyValueConfiguration config = KeyValueConfiguration.builder()
                .name(BUCKET)
                .description("kiam-ms: per action and hashed recipient, the times of the mails sent within the limit's window")
                .maxHistoryPerKey(1)
                .ttl(ttl)
                // In memory: counts of the last minutes need no fsync per mail (with sync_interval: always
                // that cost a third of the outbox's rate); a broker restart forgets them, so budgets start afresh.
                .storageType(StorageType.Memory)
                .replicas(replicas)
                .build();
        KeyValueOptions options = KeyValueOptions.builder()
                .jetStreamOptions(JetStreamOptions.builder().requestTimeout(callTimeout).build())
                .build();
        KeyValueManagement kvm = connection.keyValueManagement(options);
        JetStreamStores.createOrUpdate(kvm, config);
        return new KvSendBudget(connection.keyValue(BUCKET, options), limits, clock);
    }

    @Override
    public Verdict spend(String action, String recipient) {
        SendLimit limit = limits.get(action);
        if (limit == null) {
            return new Verdict.Allowed();
        }
        String key = key(action, recipient);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                KeyValueEntry entry = kv.get(key);
                boolean absent = entry == null || entry.getOperation() != KeyValueOperation.PUT;
                long now = clock.millis();
                List<Long> times = absent ? new ArrayList<>() : inWindow(entry.getValueAsString(), now, limit.window());
                if (times.size() >= limit.max()) {
                    long oldest = Collections.min(times);
                    return new Verdict.OverLimit(limit, Duration.ofMillis(Math.max(0, oldest + limit.window().toMillis() - now)));
                }
                times.add(now);
                byte[] value = encode(times);
                try {
                    if (absent) {
                        kv.create(key, value);
                    } else {
                        kv.update(key, value, entry.getRevision());
                    }
                    return new Verdict.Allowed();
                } catch (JetStreamApiException e) {
                    if (e.getApiErrorCode() != WRONG_LAST_SEQUENCE) {
                        throw e;
                    }
                    // Another send to this address counted first: read its count and decide again.
                }
            }
            return new Verdict.Unavailable("the count for this address kept changing under " + ROUNDS + " concurrent sends");
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            return new Verdict.Unavailable(oneLine(e));
        }
    }

    /** The key: the action (readable, for a person listing the bucket) and a hash of the normalised address. */
    static String key(String action, String recipient) {
        String normalised = recipient == null ? "" : recipient.strip().toLowerCase(Locale.ROOT);
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((action + "\n" + normalised).getBytes(StandardCharsets.UTF_8));
            String kind = action.replaceAll("[^A-Za-z0-9_-]", "_");
            return kind + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    /** The times (epoch millis, comma-separated) still within {@code window} of {@code now}; unreadable ones are dropped. */
    private static List<Long> inWindow(String value, long now, Duration window) {
        List<Long> out = new ArrayList<>();
        long since = now - window.toMillis();
        for (String part : value.split(",")) {
            try {
                long t = Long.parseLong(part.strip());
                if (t > since) {
                    out.add(t);
                }
            } catch (NumberFormatException ignored) {
                // A value written by someone else: it counts nothing.
            }
        }
        return out;
    }

    private static byte[] encode(List<Long> times) {
        StringBuilder sb = new StringBuilder();
        for (Long t : times) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(t);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
