package dev.kiamms.iplocation;

import java.util.Locale;
import java.util.Map;

/**
 * Picks a name from a GeoIP names map ({@code en}, {@code zh-CN}, {@code pt-BR}, ...) for a locale
 * as KrossIAM sends it ({@code zh-cn}, {@code en-us}): the exact locale ignoring case, then its
 * language alone, then any variant of that language, then English.
 */
public final class LocalizedNames {

    private LocalizedNames() {
    }

    public static String pick(Map<String, String> names, String locale) {
        if (names == null || names.isEmpty()) {
            return "";
        }
        if (locale != null && !locale.isBlank()) {
            String wanted = locale.trim().replace('_', '-');
            String language = languageOf(wanted);
            String sameLanguage = null;
            for (Map.Entry<String, String> e : names.entrySet()) {
                String key = e.getKey();
                if (key.equalsIgnoreCase(wanted)) {
                    return e.getValue();
                }
                if (sameLanguage == null && languageOf(key).equals(language)) {
                    sameLanguage = e.getValue();
                }
            }
            String plain = names.get(language);
            if (plain != null) {
                return plain;
            }
            if (sameLanguage != null) {
                return sameLanguage;
            }
        }
        return names.getOrDefault("en", "");
    }

    private static String languageOf(String locale) {
        int dash = locale.indexOf('-');
        return (dash < 0 ? locale : locale.substring(0, dash)).toLowerCase(Locale.ROOT);
    }
}
