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
            int languageLength = languageLength(wanted);
            String sameLanguage = null;
            for (Map.Entry<String, String> e : names.entrySet()) {
                String key = e.getKey();
                if (key.equalsIgnoreCase(wanted)) {
                    return e.getValue();
                }
                if (sameLanguage == null && languageLength(key) == languageLength
                        && key.regionMatches(true, 0, wanted, 0, languageLength)) {
                    sameLanguage = e.getValue();
                }
            }
            String plain = names.get(wanted.substring(0, languageLength).toLowerCase(Locale.ROOT));
            if (plain != null) {
                return plain;
            }
            if (sameLanguage != null) {
                return sameLanguage;
            }
        }
        return names.getOrDefault("en", "");
    }

    /** The length of a locale's language part ({@code zh} of {@code zh-CN}): compared in place, as this runs per request. */
    private static int languageLength(String locale) {
        int dash = locale.indexOf('-');
        return dash < 0 ? locale.length() : dash;
    }
}
