package dev.kiamms.bus;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.StorageType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.logging.Logger;

/**
 * The broker-side record of every durable message whose handling has side effects (a mail), kept
 * per subject and reqid in a JetStream key-value bucket so that it survives a crash of kiam-ms,
 * a restart of the broker and a hand-over to another kiam-ms instance. A record is written
 * ({@code sending}) before the handler runs and completed ({@code delivered}) after it finished;
 * a message that arrives again finds one of these and is not handled a second time:
 * <ul>
 *   <li>{@code delivered}: handled before; acknowledge it and do nothing.</li>
 *   <li>{@code sending}: an earlier attempt began and never said how it ended (kiam-ms or its
 *   broker died meanwhile): the mail may have gone out, so it is not sent again but kept as a
 *   dead letter "possibly delivered" that a person can replay.</li>
 * </ul>
 * A failure that certainly sent nothing removes the record, so that a retry may run. The create
 * is atomic (the broker refuses a second one), so two instances never both run one message.
 */
public final class DeliveryLedger {

    private static final Logger LOG = Logger.getLogger("kiamms.durable");

    public static final String BUCKET = "KIAM_DELIVERIES";
    /** The subjects the bucket's writes go to: kiam-ms's broker user needs to publish there. */
    public static final String WRITE_SUBJECTS = "$KV." + BUCKET + ".>";

    private static final String SENDING = "sending";
    private static final String DELIVERED = "delivered";
    /** The API error the broker gives when a create finds the key already there. */
    private static final int WRONG_LAST_SEQUENCE = 10071;

    /** What the ledger says of a message about to be handled. */
    public sealed interface Claim {
        /** No earlier attempt: handle it; {@code revision} completes or releases the record. */
        record Fresh(String key, long revision) implements Claim {
        }

        /** Handled to the end before. */
        record AlreadyDelivered(String since) implements Claim {
        }

        /** An earlier attempt began at {@code since} and its end is unknown. */
        record MaybeDelivered(String since) implements Claim {
        }

        /** The ledger cannot be read or written now (broker or JetStream down): try again later. */
        record Unavailable(String reason) implements Claim {
        }
    }

    private final KeyValue kv;
    private final String holder;

    private DeliveryLedger(KeyValue kv, String holder) {
        this.kv = kv;
        this.holder = holder;
    }

    /**
     * Creates the bucket if needed and opens it.
     *
     * @param keepFor  how long a record is kept: at least as long as the stream keeps the message
     * @param replicas as many as the stream has, so the record survives what the message survives
     * @param holder   names this kiam-ms in the records (for a person reading them)
     */
    public static DeliveryLedger open(Connection connection, Duration keepFor, int replicas, String holder)
            throws IOException, JetStreamApiException {
        KeyValueManagement kvm = connection.keyValueManagement();
        KeyValueConfiguration config = KeyValueConfiguration.builder()
                .name(BUCKET)
                .description("kiam-ms: per reqid, whether a durable message's mail is being sent or was delivered")
                .maxHistoryPerKey(1)
                .ttl(keepFor)
                .storageType(StorageType.File)
                .replicas(replicas)
                .build();
        JetStreamStores.createOrUpdate(kvm, config);
        return new DeliveryLedger(connection.keyValue(BUCKET), holder);
    }

    /** The bucket as it is, for a command that reads or clears records; empty when kiam-ms never made it. */
    public static java.util.Optional<DeliveryLedger> existing(Connection connection) throws IOException, JetStreamApiException {
        try {
            connection.keyValueManagement().getStatus(BUCKET);
        } catch (JetStreamApiException notFound) {
            if (notFound.getErrorCode() == 404) {
                return java.util.Optional.empty();
            }
            throw notFound;
        }
        return java.util.Optional.of(new DeliveryLedger(connection.keyValue(BUCKET), "kiam-ms command"));
    }

    /** The record's key: the subject's last token and the reqid, in the characters a key may hold. */
    static String key(String subject, String reqid) {
        String kind = subject.substring(subject.lastIndexOf('.') + 1).replaceAll("[^A-Za-z0-9_-]", "_");
        return kind + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(reqid.getBytes(StandardCharsets.UTF_8));
    }

    /** Records that this message is about to be handled, unless an earlier attempt already did. */
    public Claim claim(String subject, String reqid) {
        String key = key(subject, reqid);
        try {
            long revision = kv.create(key, value(SENDING));
            return new Claim.Fresh(key, revision);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != WRONG_LAST_SEQUENCE) {
                return new Claim.Unavailable(e.getMessage());
            }
        } catch (IOException | RuntimeException e) {
            return new Claim.Unavailable(String.valueOf(e.getMessage()));
        }
        try {
            KeyValueEntry entry = kv.get(key);
            if (entry == null || entry.getOperation() != KeyValueOperation.PUT) {
                return new Claim.Unavailable("the record of " + key + " changed while it was read; trying again");
            }
            String v = entry.getValueAsString();
            return v.startsWith(DELIVERED) ? new Claim.AlreadyDelivered(since(v)) : new Claim.MaybeDelivered(since(v));
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            return new Claim.Unavailable(String.valueOf(e.getMessage()));
        }
    }

    /**
     * Marks the message delivered. Retried until {@code patience} runs out, since the mail is out
     * and only this record keeps it from going out again after a redelivery.
     *
     * @return false when the record could not be completed (a redelivery then counts as possibly delivered)
     */
    public boolean delivered(Claim.Fresh claim, Duration patience) {
        return retry(patience, "mark " + claim.key() + " delivered", () -> kv.update(claim.key(), value(DELIVERED), claim.revision()));
    }

    /** Removes the record after a failure that certainly sent nothing, so that a retry may run. */
    public boolean release(Claim.Fresh claim, Duration patience) {
        return retry(patience, "release " + claim.key(), () -> kv.delete(claim.key(), claim.revision()));
    }

    /** Forgets a message, so that it is handled again when it arrives: for a person's replay of a dead letter. */
    public void forget(String subject, String reqid) throws IOException, JetStreamApiException {
        kv.delete(key(subject, reqid));
    }

    /** The record of a message, for a person: {@code sending …}, {@code delivered …}, or null. */
    public String describe(String subject, String reqid) throws IOException, JetStreamApiException {
        KeyValueEntry entry = kv.get(key(subject, reqid));
        return entry == null || entry.getOperation() != KeyValueOperation.PUT ? null : entry.getValueAsString();
    }

    private interface Write {
        void run() throws IOException, JetStreamApiException;
    }

    private static boolean retry(Duration patience, String what, Write write) {
        long deadline = System.nanoTime() + patience.toNanos();
        long pause = 100;
        while (true) {
            try {
                write.run();
                return true;
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                    // Someone (a person's replay) changed the record meanwhile: theirs stands.
                    LOG.warning(() -> "cannot " + what + ": the record was changed by someone else; leaving it");
                    return false;
                }
                if (System.nanoTime() > deadline) {
                    LOG.severe(() -> "cannot " + what + ": " + e.getMessage());
                    return false;
                }
            } catch (IOException | RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    LOG.severe(() -> "cannot " + what + " within " + patience.toSeconds() + " s: " + e.getMessage());
                    return false;
                }
            }
            pause = backOff(pause);
            if (pause < 0) {
                return false;
            }
        }
    }

    /**
     * As {@link #claim(String, String)}, trying again while the ledger cannot be reached (a broker
     * restart, a leader election), for up to {@code patience} or until {@code giveUp} says so.
     */
    public Claim claim(String subject, String reqid, Duration patience, java.util.function.BooleanSupplier giveUp) {
        long deadline = System.nanoTime() + patience.toNanos();
        long pause = 100;
        while (true) {
            Claim claim = claim(subject, reqid);
            if (!(claim instanceof Claim.Unavailable) || giveUp.getAsBoolean() || System.nanoTime() > deadline) {
                return claim;
            }
            pause = backOff(pause);
            if (pause < 0) {
                return claim;
            }
        }
    }

    /** Sleeps {@code millis}; returns the next, doubled pause (at most 1 s), or -1 when interrupted. */
    private static long backOff(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
        return Math.min(millis * 2, 1000);
    }

    private byte[] value(String state) {
        return (state + " " + Instant.now() + " " + holder).getBytes(StandardCharsets.UTF_8);
    }

    private static String since(String value) {
        String[] parts = value.split(" ", 3);
        return parts.length > 1 ? parts[1] : "an unknown time";
    }
}
