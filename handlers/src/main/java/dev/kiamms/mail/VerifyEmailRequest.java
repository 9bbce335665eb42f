package dev.kiamms.mail;

/** Payload of the {@code sendverifyemail} action. */
public record VerifyEmailRequest(String subject, String userid, String to, String href, String locale, String expire) {
}
