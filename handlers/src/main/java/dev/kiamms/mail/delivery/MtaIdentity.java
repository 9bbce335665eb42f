package dev.kiamms.mail.delivery;

import jakarta.mail.internet.InternetAddress;

import java.util.List;

/**
 * What one delivery attempt adds to a message from the MTA's configuration: its sender (From),
 * Reply-To, and its own Cc and Bcc, which apply to that attempt only.
 *
 * @param replyTo {@code null} when the MTA has none
 */
public record MtaIdentity(String mtaName, InternetAddress sender, InternetAddress replyTo,
                          List<InternetAddress> cc, List<InternetAddress> bcc) {
}
