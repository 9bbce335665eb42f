package dev.kiamms.mail;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Checks for everything in a KrossIAM payload that reaches a mail header or a link: addresses
 * (RFC 5322, with an optional display name), header text and absolute web addresses. Control
 * characters are refused outright rather than stripped, so that a header injection attempt
 * fails visibly.
 */
public final class MailAddresses {

    private MailAddresses() {
    }

    /** @throws IllegalArgumentException naming the field and the problem */
    public static InternetAddress parse(String field, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(field + " missing");
        }
        requireHeaderSafe(field, text);
        try {
            InternetAddress address = new InternetAddress(text.strip(), true);
            address.validate();
            if (address.isGroup() || address.getAddress().indexOf('@') < 1) {
                throw new AddressException("not a single mailbox");
            }
            return address;
        } catch (AddressException e) {
            throw new IllegalArgumentException(field + " '" + text.strip() + "' is not an e-mail address ("
                    + e.getMessage() + ")");
        }
    }

    /** Text that will stand in a header: no CR, LF or other control character. */
    public static String requireHeaderSafe(String field, String text) {
        if (text != null) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                    throw new IllegalArgumentException(field + " contains a control character (U+"
                            + String.format("%04X", (int) c) + "); refused to keep it out of the mail headers");
                }
            }
        }
        return text;
    }

    /** An absolute http(s) URL, as the links in the mails must be. */
    public static URI absoluteWebUrl(String field, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(field + " missing");
        }
        requireHeaderSafe(field, text);
        try {
            URI uri = new URI(text.strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
                throw new IllegalArgumentException(field + " '" + text.strip() + "' is not an absolute http(s) URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(field + " '" + text.strip() + "' is not a URL: " + e.getReason());
        }
    }
}
