package dev.kiamms.mail.delivery;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the attempt log keeps an address: masked for people, hashed for searches, never in clear. */
class AttemptEntryTest {

    @Test
    void anAddressIsMaskedToItsFirstLetterAndDomain() {
        assertEquals("j***@example.com", AttemptEntry.mask("jane.doe@Example.COM"));
        assertEquals("j***@example.com", AttemptEntry.mask(" j@example.com "));
        assertEquals("李***@例子.中国", AttemptEntry.mask("李雷@例子.中国"));
        assertEquals("***", AttemptEntry.mask("no-at-sign"));
        assertEquals("***", AttemptEntry.mask("@example.com"));
        assertEquals("***", AttemptEntry.mask(null));
    }

    @Test
    void theHashIsTheSameForEverySpellingOfOneMailboxAndDiffersBetweenMailboxes() {
        String h = AttemptEntry.hash("jane.doe@example.com");
        assertEquals(h, AttemptEntry.hash(" Jane.Doe@EXAMPLE.com"));
        assertNotEquals(h, AttemptEntry.hash("jane.doe@example.org"));
        assertTrue(h.matches("[0-9a-f]{64}"), h);
    }
}
