package dev.kiamms.mail.delivery;

import dev.kiamms.protocol.Reply;
import dev.kiamms.protocol.ReplyCode;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small rules that reach the operator: outbox file names from reqids, what an MTA's toString shows. */
class OutboxNameTest {

    @Test
    void aReqidBecomesASafeFileNamePart() {
        assertEquals("noreqid", Outbox.safe(null));
        assertEquals("noreqid", Outbox.safe(""));
        assertEquals("azAZ09_-.x", Outbox.safe("azAZ09_-.x"));
        assertEquals("_etc_passwd", Outbox.safe("/etc/passwd"));
        assertEquals("_.x", Outbox.safe("..x"), "a leading dot is replaced, later ones kept");
        assertEquals("a_b_c_d", Outbox.safe("a b/c\\d"));
        assertEquals("______", Outbox.safe("`{@[/:"), "the characters just outside a-z, A-Z and 0-9");
        assertEquals("_", Outbox.safe("\u00e9"));
        String seventy = "x".repeat(70);
        assertEquals("x".repeat(64), Outbox.safe(seventy));
        assertEquals(64, Outbox.safe("\u00e9".repeat(70)).length());
        assertEquals("x".repeat(63) + "y", Outbox.safe("x".repeat(63) + "yz"));
    }

    @Test
    void anMtaShowsWhereItIsButNeverItsLogin() {
        MtaConfig c = new MtaConfig("main", "smtp.example.com", 587, true, "a@b.c", null, null, null, "kiam", "s3cret-pw");
        assertEquals("MtaConfig[name=main, host=smtp.example.com, port=587, ssl=true]", c.toString());
        assertEquals("", new MtaConfig("m", "h", 25, false, "a@b.c", null, null, null, null, null).passwd());
        assertEquals("", new MtaConfig("m", "h", 25, false, "a@b.c", null, null, null, null, null).user());
        assertEquals("", new MtaConfig("m", "h", 25, false, "a@b.c", null, null, null, null, null).replyto());
        assertEquals("r@b.c", new MtaConfig("m", "h", 25, false, "a@b.c", "r@b.c", null, null, "u", "p").replyto());
        assertEquals(List.of("x@b.c"), new MtaConfig("m", "h", 25, false, "a@b.c", "", List.of("x@b.c"), List.of(), "", "").cc());
        assertEquals(List.of("y@b.c"), new MtaConfig("m", "h", 25, false, "a@b.c", "", null, Arrays.asList("y@b.c"), "", "").bcc());
    }

    @Test
    void onlyCodeZeroIsOk() {
        assertTrue(Reply.ok("r", 1, null).isOk());
        assertFalse(Reply.error("r", 1, ReplyCode.GENERAL_ERROR, "no").isOk());
    }
}
