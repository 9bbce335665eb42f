package dev.kiamms.app.service;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What counts as a loss of the audit stream, and what its limits explain. */
class StreamMarkTest {

    private static final StreamMark SEEN = new StreamMark(101, 300, 200);

    @Test
    void growthAndDiscardsAtTheStartAreNoLoss() {
        assertTrue(SEEN.lossSince(new StreamMark(101, 300, 200), "S").isEmpty(), "unchanged");
        assertTrue(SEEN.lossSince(new StreamMark(101, 350, 250), "S").isEmpty(), "50 more at the end");
        assertTrue(SEEN.lossSince(new StreamMark(151, 350, 200), "S").isEmpty(), "50 aged out at the start, 50 new");
        assertTrue(SEEN.lossSince(new StreamMark(401, 400, 0), "S").isEmpty(), "all aged out, the stream went on");
        assertTrue(new StreamMark(0, 0, 0).lossSince(null, "S").isEmpty(), "nothing was ever stored");
    }

    @Test
    void aShorterEndMissingMessagesOrNoStreamAreLosses() {
        assertEquals("the stream S ends at sequence 250 but had reached 300: its store was damaged or truncated and up to 50 "
                + "message(s) are gone", SEEN.lossSince(new StreamMark(101, 250, 150), "S").orElseThrow());
        assertEquals("the stream S holds 190 message(s) where 200 were expected: its store was damaged and 10 message(s) are gone",
                SEEN.lossSince(new StreamMark(101, 300, 190), "S").orElseThrow());
        assertEquals("the stream S is gone although it held 200 message(s) up to sequence 300: its store was lost or damaged",
                SEEN.lossSince(null, "S").orElseThrow());
        assertTrue(SEEN.lossSince(new StreamMark(0, 0, 0), "S").orElseThrow().contains("new and empty"));
    }
}
