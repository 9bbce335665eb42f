package dev.kiamms.mail;

import java.util.List;

/** Payload of the {@code accountaddemail} audit: tell the user's addresses that one was added. */
public record AccountAddEmailAudit(String newemail, String userid, String httpurl, String locale, List<String> mailto,
                                   String subject) {
}
