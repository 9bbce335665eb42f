package dev.kiamms.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnvelopeValidatorTest {

    private static final long NOW = 1_700_000_000_000_000L;
    private static final long SECOND = 1_000_000L;
    private static final String REQID = "0123456789abcdef0123456789abcdef";

    private final EnvelopeValidator validator = new EnvelopeValidator();

    private static Envelope envelope(String version, long time, String reqid) {
        return new Envelope(version, time, reqid);
    }

    private Rejection rejected(Envelope e) {
        Optional<Rejection> r = validator.check(e, NOW);
        assertTrue(r.isPresent(), "accepted: " + e);
        assertFalse(r.get().message().isBlank(), "rejection without a message");
        return r.get();
    }

    @Test
    void acceptsAWellFormedEnvelope() {
        assertEquals(Optional.empty(), validator.check(envelope("0.1.1", NOW - SECOND, REQID), NOW));
        assertEquals(Optional.empty(), validator.check(envelope("0.1.0", NOW, REQID), NOW));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.2.0", "1.0.0", "", "abc"})
    void incompatibleOrUnreadableVersionIs101(String version) {
        Rejection r = rejected(envelope(version, NOW, REQID));
        assertEquals(ReplyCode.VERSION_INCOMPATIBLE, r.code());
        assertTrue(r.message().contains("0.1"), "should say what the server speaks: " + r.message());
    }

    @Test
    void missingVersionIs101() {
        assertEquals(ReplyCode.VERSION_INCOMPATIBLE, rejected(envelope(null, NOW, REQID)).code());
    }

    @Test
    void timeOlderThanTenSecondsIs102() {
        assertEquals(ReplyCode.TIME_INVALID, rejected(envelope("0.1.1", NOW - 11 * SECOND, REQID)).code());
        assertEquals(ReplyCode.TIME_INVALID, rejected(envelope("0.1.1", NOW - 3600 * SECOND, REQID)).code());
        assertEquals(Optional.empty(), validator.check(envelope("0.1.1", NOW - 9 * SECOND, REQID), NOW));
    }

    @Test
    void theLimitsAreInclusiveAndTheMessageSaysByHowMuch() {
        assertEquals(Optional.empty(), validator.check(envelope("0.1.1", NOW - 10 * SECOND, REQID), NOW), "exactly 10 s old");
        assertEquals("request is 10.5 s old, more than the 10 s allowed; check the clocks of both hosts",
                rejected(envelope("0.1.1", NOW - 10 * SECOND - SECOND / 2, REQID)).message());
        assertEquals("request is 3 days old, more than the 10 s allowed; check the clocks of both hosts",
                rejected(envelope("0.1.1", NOW - 3 * 86_400 * SECOND, REQID)).message());
        assertEquals("request is 1 days old, more than the 10 s allowed; check the clocks of both hosts",
                rejected(envelope("0.1.1", NOW - 86_400 * SECOND, REQID)).message());
        assertEquals(Optional.empty(), validator.check(envelope("0.1.1", NOW + 5 * SECOND, REQID), NOW), "exactly 5 s ahead");
        assertEquals("request time is 5.2 s in the future, more than the 5 s of clock skew allowed; check the clocks of both hosts",
                rejected(envelope("0.1.1", NOW + 5 * SECOND + SECOND / 5, REQID)).message());
        assertEquals(Optional.empty(), validator.check(envelope("0.1.1", 1, REQID), 1 + 10 * SECOND), "the earliest time there is");
    }

    @Test
    void smallClockSkewIsToleratedLargeIsNot() {
        assertEquals(Optional.empty(), validator.check(envelope("0.1.1", NOW + 3 * SECOND, REQID), NOW));
        Rejection r = rejected(envelope("0.1.1", NOW + 6 * SECOND, REQID));
        assertEquals(ReplyCode.TIME_INVALID, r.code());
        assertTrue(r.message().contains("future"), r.message());
    }

    @Test
    void missingOrMillisecondTimeIs102() {
        assertEquals(ReplyCode.TIME_INVALID, rejected(envelope("0.1.1", 0, REQID)).code());
        assertEquals(ReplyCode.TIME_INVALID, rejected(envelope("0.1.1", -5, REQID)).code());
        // A client sending milliseconds instead of microseconds looks 50 years old.
        assertEquals(ReplyCode.TIME_INVALID, rejected(envelope("0.1.1", NOW / 1000, REQID)).code());
    }

    @Test
    void missingReqidIs103() {
        assertEquals(ReplyCode.REQID_MISSING, rejected(envelope("0.1.1", NOW, null)).code());
        assertEquals(ReplyCode.REQID_MISSING, rejected(envelope("0.1.1", NOW, "  ")).code());
    }

    @Test
    void versionIsCheckedBeforeTimeAndTimeBeforeReqid() {
        assertEquals(ReplyCode.VERSION_INCOMPATIBLE, rejected(envelope("0.2.0", NOW - 60 * SECOND, null)).code());
        assertEquals(ReplyCode.TIME_INVALID, rejected(envelope("0.1.1", NOW - 60 * SECOND, null)).code());
        assertEquals(ReplyCode.REQID_MISSING, rejected(envelope("0.1.1", NOW, null)).code());
    }

    @Test
    void limitsAreConfigurable() {
        EnvelopeValidator strict = new EnvelopeValidator(ProtocolVersion.SERVER,
                java.time.Duration.ofSeconds(1), java.time.Duration.ZERO);
        assertEquals(ReplyCode.TIME_INVALID, strict.check(envelope("0.1.1", NOW - 2 * SECOND, REQID), NOW).orElseThrow().code());
        assertEquals(ReplyCode.TIME_INVALID, strict.check(envelope("0.1.1", NOW + 1, REQID), NOW).orElseThrow().code());
        assertEquals(Optional.empty(), strict.check(envelope("0.1.1", NOW, REQID), NOW));
    }
}
