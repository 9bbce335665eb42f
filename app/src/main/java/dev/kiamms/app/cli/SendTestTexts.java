package dev.kiamms.app.cli;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The texts {@code send-test} puts into a mail when none are given (subject, expiry), in the
 * language of {@code --locale} when the mail templates have that language too: a Chinese
 * template with an English subject and "in 30 minutes" inside it looks like a bug to whoever
 * tries it. Otherwise English, as the default templates are.
 */
final class SendTestTexts {

    record Texts(String verifySubject, String expire, String auditSubject) {
    }

    static final Texts ENGLISH = new Texts("Verify your e-mail address", "in 30 minutes",
            "A new e-mail address was added to your account");

    /** By language, as the template folders are found: {@code zh-cn/} first, then {@code zh/}. */
    private static final Map<String, Texts> BY_LANGUAGE = Map.of(
            "en", ENGLISH,
            "zh", new Texts("请验证您的电子邮件地址", "30 分钟", "您的账户添加了新的电子邮件地址"));

    private SendTestTexts() {
    }

    /**
     * @param locale          as KrossIAM sends it ({@code zh-cn}, {@code zh_CN}, {@code en-us})
     * @param templateLocales the locale folders the templates have, lower case with {@code -}
     */
    static Texts forLocale(String locale, Set<String> templateLocales) {
        String full = locale == null ? "" : locale.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        String language = full.contains("-") ? full.substring(0, full.indexOf('-')) : full;
        boolean templated = templateLocales.contains(full) || templateLocales.contains(language);
        return templated ? BY_LANGUAGE.getOrDefault(language, ENGLISH) : ENGLISH;
    }
}
