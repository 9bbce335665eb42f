package dev.kiamms.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtocolVersionTest {

    @Test
    void serverSpeaksMsc011() {
        assertEquals(new ProtocolVersion(0, 1, 1), ProtocolVersion.SERVER);
        assertEquals("0.1.1", ProtocolVersion.SERVER.toString());
    }

    @Test
    void parsesSemverWithGoPrefixAndPreRelease() {
        assertEquals(new ProtocolVersion(0, 1, 9), ProtocolVersion.parse("0.1.9").orElseThrow());
        assertEquals(new ProtocolVersion(1, 2, 3), ProtocolVersion.parse("v1.2.3").orElseThrow());
        assertEquals(new ProtocolVersion(0, 1, 1), ProtocolVersion.parse("0.1.1-rc.1+build5").orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.1.0", "0.1.1", "0.1.9", "0.1.12"})
    void sameMinorOfMajorZeroIsCompatible(String version) {
        assertTrue(ProtocolVersion.SERVER.canTalkTo(ProtocolVersion.parse(version).orElseThrow()), version);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.2.0", "0.0.9", "1.0.0", "1.1.1"})
    void otherMinorOrMajorIsIncompatible(String version) {
        assertFalse(ProtocolVersion.SERVER.canTalkTo(ProtocolVersion.parse(version).orElseThrow()), version);
    }

    @Test
    void fromMajorOneOnOnlyTheMajorCounts() {
        ProtocolVersion one = new ProtocolVersion(1, 0, 0);
        assertTrue(one.canTalkTo(new ProtocolVersion(1, 7, 2)));
        assertFalse(one.canTalkTo(new ProtocolVersion(2, 0, 0)));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", " ", "abc", "1", "0.1", "0.1.x", "01.1.1", "0.1.1.1", "0.-1.1", "99999999999.0.0"})
    void refusesWhatIsNotSemver(String text) {
        assertTrue(ProtocolVersion.parse(text).isEmpty(), "parsed: " + text);
    }
}
