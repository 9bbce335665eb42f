package dev.kiamms.iplocation;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LocalizedNamesTest {

    // The locales MaxMind databases carry, in their order.
    private static final Map<String, String> NAMES = new LinkedHashMap<>();

    static {
        NAMES.put("de", "Vereinigtes Königreich");
        NAMES.put("en", "United Kingdom");
        NAMES.put("es", "Reino Unido");
        NAMES.put("fr", "Royaume-Uni");
        NAMES.put("ja", "イギリス");
        NAMES.put("pt-BR", "Reino Unido (BR)");
        NAMES.put("ru", "Великобритания");
        NAMES.put("zh-CN", "英国");
    }

    @ParameterizedTest
    @CsvSource({
            "zh-cn, 英国",     // KrossIAM sends lower case; the reference server missed this one
            "zh-CN, 英国",
            "zh_CN, 英国",
            "zh-TW, 英国",     // same language, other variant
            "zh, 英国",
            "pt-pt, Reino Unido (BR)",
            "de-AT, Vereinigtes Königreich",
            "en-us, United Kingdom",
            "FR, Royaume-Uni",
            "xx, United Kingdom",
            "'', United Kingdom",
    })
    void picksTheLocaleThenItsLanguageThenEnglish(String locale, String expected) {
        assertEquals(expected, LocalizedNames.pick(NAMES, locale));
    }

    @Test
    void nullLocaleIsEnglish() {
        assertEquals("United Kingdom", LocalizedNames.pick(NAMES, null));
    }

    @Test
    void noNamesOrNoEnglishGivesEmpty() {
        assertEquals("", LocalizedNames.pick(Map.of(), "en"));
        assertEquals("", LocalizedNames.pick(null, "en"));
        assertEquals("", LocalizedNames.pick(Map.of("ja", "ロンドン"), "xx"));
    }
}
