package dev.kiamms.app.tail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TailFormatTest {

    private static final Instant AT = Instant.parse("2026-11-23T10:15:30.123Z");

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aLineForPeopleHasTimeSubjectReqidAndThePayloadWithSecretsMasked() {
        String line = new TailFormat(false).line(AT, "kiam.console.action.sendverifyemail", bytes(
                "{\"version\":\"0.1.1\",\"time\":1,\"ReqId\":\"abc123\",\"payload\":{\"to\":\"a@example.com\","
                        + "\"href\":\"https://iam.example.com/verify?token=s3cret\",\"password\":\"hunter2\"}}"));
        assertTrue(line.startsWith("2026-11-23T10:15:30.123Z  kiam.console.action.sendverifyemail  abc123  {"), line);
        assertTrue(line.contains("\"to\":\"a@example.com\""), line);
        assertFalse(line.contains("s3cret") || line.contains("hunter2"), line);
        assertTrue(line.contains("\"href\":\"****\""), line);
    }

    @Test
    void aLongPayloadIsCutAndABodyThatIsNotJsonIsNamedNotPrinted() {
        String longPayload = "{\"reqid\":\"r\",\"payload\":{\"text\":\"" + "x".repeat(500) + "\"}}";
        String line = new TailFormat(false).line(AT, "kiam.console.log", bytes(longPayload));
        String payload = line.substring(line.indexOf("{"));
        assertEquals(TailFormat.SHORT_PAYLOAD, payload.length(), line);
        assertTrue(payload.endsWith("…"));

        String odd = new TailFormat(false).line(AT, "kiam.console.notice.x", bytes("password=hunter2"));
        assertTrue(odd.endsWith("  -  (not JSON, 16 bytes)"), odd);
    }

    @Test
    void jsonModeGivesOneObjectPerLineWithTheWholeMaskedMessage() throws Exception {
        String line = new TailFormat(true).line(AT, "kiam.console.audit.accountaddemail", bytes(
                "{\"version\":\"0.1.1\",\"time\":1,\"reqid\":\"r1\",\"payload\":{\"newemail\":\"n@example.com\",\"secretKey\":\"k\"}}"));
        assertFalse(line.contains("\n"));
        JsonNode out = new ObjectMapper().readTree(line);
        assertEquals("2026-11-23T10:15:30.123Z", out.path("time").asText());
        assertEquals("kiam.console.audit.accountaddemail", out.path("subject").asText());
        assertEquals("r1", out.path("reqid").asText());
        assertEquals("n@example.com", out.path("message").path("payload").path("newemail").asText());
        assertEquals("****", out.path("message").path("payload").path("secretKey").asText());
        assertEquals("3 bytes", new ObjectMapper().readTree(new TailFormat(true).line(AT, "s", bytes("abc"))).path("notJson").asText());
    }
}
