package dev.kiamms.channel;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The webhook's signature: HMAC-SHA256, keyed with the shared secret, over
 * {@code <timestamp>.<body>}, sent as {@code X-Kiam-Signature: sha256=<hex>} next to
 * {@code X-Kiam-Timestamp: <unix seconds>}. Signing the time as well lets a receiver refuse an
 * old request replayed by someone who captured it.
 */
public final class WebhookSignature {

    public static final String SIGNATURE_HEADER = "X-Kiam-Signature";
    public static final String TIMESTAMP_HEADER = "X-Kiam-Timestamp";
    public static final String PREFIX = "sha256=";

    private final byte[] secret;

    public WebhookSignature(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("the webhook secret is empty");
        }
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    /** The header value for this body sent at {@code timestamp}. */
    public String sign(long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return PREFIX + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    /** What a receiver does: recompute and compare in constant time. */
    public boolean verify(long timestamp, byte[] body, String header) {
        return header != null && MessageDigest.isEqual(sign(timestamp, body).getBytes(StandardCharsets.US_ASCII),
                header.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "WebhookSignature[secret hidden]";
    }
}
