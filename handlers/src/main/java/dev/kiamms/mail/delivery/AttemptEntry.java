package dev.kiamms.mail.delivery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * One delivery attempt as the attempt log keeps it. The recipients are never kept in clear:
 * {@code to} holds them masked ({@code j***@example.com}) for a person, {@code toHashes} the
 * SHA-256 of each normalised address, so that a search by address can find them.
 *
 * @param key     the action or audit the mail belongs to ({@code sendverifyemail}, ...)
 * @param channel how it went out: {@code email}
 * @param mta     the MTA's name; {@code where} its host:port
 * @param outcome {@link Attempt.Outcome}'s name
 * @param at      when the attempt ended, ISO-8601
 */
public record AttemptEntry(String reqid, String key, String channel, List<String> to, List<String> toHashes,
                           String mta, String where, String outcome, String reason, String at) {

    public static final String EMAIL = "email";

    public AttemptEntry {
        to = to == null ? List.of() : List.copyOf(to);
        toHashes = toHashes == null ? List.of() : List.copyOf(toHashes);
    }

    /** {@code jane@example.com} → {@code j***@example.com}; what is not an address → {@code ***}. */
    public static String mask(String address) {
        String a = address == null ? "" : address.strip();
        int at = a.lastIndexOf('@');
        if (at <= 0 || at == a.length() - 1) {
            return "***";
        }
        return a.substring(0, a.offsetByCodePoints(0, 1)) + "***" + a.substring(at).toLowerCase(Locale.ROOT);
    }

    /** The hex SHA-256 of the address stripped and lower-cased: the same for every spelling of one mailbox. */
    public static String hash(String address) {
        String normal = (address == null ? "" : address.strip()).toLowerCase(Locale.ROOT);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(("kiam-ms recipient:" + normal).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
