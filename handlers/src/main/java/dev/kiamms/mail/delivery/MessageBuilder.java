package dev.kiamms.mail.delivery;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

/**
 * Builds the message for one delivery attempt: a fresh message each time, so that an attempt on
 * another MTA carries that MTA's sender, Cc and Bcc and none of the previous one's.
 */
@FunctionalInterface
public interface MessageBuilder {
    MimeMessage build(Session session, MtaIdentity identity) throws MessagingException;
}
