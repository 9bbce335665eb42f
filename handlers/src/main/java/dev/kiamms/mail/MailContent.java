package dev.kiamms.mail;

/** A rendered mail body: the HTML part and its plain-text alternative, made from the same data. */
public record MailContent(String html, String text) {
}
