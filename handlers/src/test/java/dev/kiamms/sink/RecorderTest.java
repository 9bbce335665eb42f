package dev.kiamms.sink;

import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.EventPipeline;
import dev.kiamms.metrics.CountingStats;
import dev.kiamms.metrics.HandlerCounts;
import dev.kiamms.pipeline.Intake;
import dev.kiamms.pipeline.MessageContext;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.EnvelopeValidator;
import dev.kiamms.protocol.Subjects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecorderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** 2023-11-14T22:13:20.123456Z */
    private static final long RECEIVED = 1_700_000_000_123_456L;
    private static final MicroClock CLOCK = () -> RECEIVED;
    private static final String REQID = "0123456789abcdef0123456789abcdef";
    private static final String NOTICE = Subjects.notice("accountaddemail");

    @TempDir
    Path dir;

    private static JsonNode json(String text) throws IOException {
        return JSON.readTree(text.replace('\'', '"'));
    }

    private static List<JsonNode> lines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    @Test
    void noticeLineHasTheDocumentedShapeWithSecretsMasked() throws Exception {
        try (JsonLinesFile file = new JsonLinesFile(dir, "notice", 1 << 20, 3)) {
            NoticeRecorder recorder = new NoticeRecorder(NOTICE, file, CLOCK);
            assertEquals(NOTICE, recorder.subject());
            assertEquals(JsonNode.class, recorder.payloadType());
            assertFalse(recorder.blocking());
            assertTrue(recorder.redacts());
            recorder.handle(json("{'newemail': 'a@x', 'userid': 'alice', 'mailto': ['a@x'], 'token': 'abc'}"),
                    new MessageContext(NOTICE, REQID, 1_700_000_000_000_001L));
        }
        List<JsonNode> lines = lines(dir.resolve("notice.jsonl"));
        assertEquals(1, lines.size());
        JsonNode line = lines.get(0);
        assertEquals(json("""
                {'received': '2023-11-14T22:13:20.123456Z', 'subject': 'kiam.console.notice.accountaddemail',
                 'reqid': '0123456789abcdef0123456789abcdef', 'sent': 1700000000000001,
                 'payload': {'newemail': 'a@x', 'userid': 'alice', 'mailto': ['a@x'], 'token': '****'}}"""), line);
        assertEquals(List.of("received", "subject", "reqid", "sent", "payload"), names(line), "field order");
        assertTrue(line.get("sent").isIntegralNumber());
    }

    private static List<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void redactionCanBeSwitchedOff() throws Exception {
        try (JsonLinesFile file = new JsonLinesFile(dir, "notice", 1 << 20, 3)) {
            NoticeRecorder recorder = new NoticeRecorder(NOTICE, file, CLOCK, false);
            assertFalse(recorder.redacts());
            recorder.handle(json("{'password': 'hunter2'}"), new MessageContext(NOTICE, REQID, 1));
            LogRecorder log = new LogRecorder(file, CLOCK, false);
            log.handle(json("{'password': 'hunter2'}"), new MessageContext(Subjects.LOG, REQID, 1));
        }
        for (JsonNode line : lines(dir.resolve("notice.jsonl"))) {
            assertEquals("hunter2", line.get("payload").get("password").asText());
        }
    }

    @Test
    void logRecordsOfAnyJsonValue() throws Exception {
        try (JsonLinesFile file = new JsonLinesFile(dir, "kiam-log", 1 << 20, 3)) {
            LogRecorder recorder = new LogRecorder(file, CLOCK, true);
            assertEquals("kiam.console.log", recorder.subject());
            assertFalse(recorder.blocking());
            MessageContext context = new MessageContext(Subjects.LOG, REQID, 42);
            recorder.handle(json("{'level': 'info', 'msg': 'login', 'fields': {'user': 'a', 'Authorization': 'Basic x'}}"), context);
            recorder.handle(json("'a plain text line'"), context);
            recorder.handle(json("[1, {'secret': 's'}]"), context);
            recorder.handle(json("null"), context);
            recorder.handle(null, context);
            assertTrue(new LogRecorder(file).redacts());
        }
        List<JsonNode> lines = lines(dir.resolve("kiam-log.jsonl"));
        assertEquals(5, lines.size());
        for (JsonNode line : lines) {
            assertEquals(List.of("received", "subject", "reqid", "sent", "payload"), names(line));
            assertEquals("kiam.console.log", line.get("subject").asText());
            assertEquals("2023-11-14T22:13:20.123456Z", line.get("received").asText());
            assertEquals(42, line.get("sent").asLong());
        }
        assertEquals(json("{'level': 'info', 'msg': 'login', 'fields': {'user': 'a', 'Authorization': '****'}}"),
                lines.get(0).get("payload"));
        assertEquals("a plain text line", lines.get(1).get("payload").asText());
        assertEquals(json("[1, {'secret': '****'}]"), lines.get(2).get("payload"));
        assertTrue(lines.get(3).get("payload").isNull());
        assertTrue(lines.get(4).get("payload").isNull());
    }

    @Test
    void receivedAlwaysHasSixFractionDigitsInUtc() {
        assertEquals("2023-11-14T22:13:20.000000Z", EventRecords.iso(1_700_000_000_000_000L));
        assertEquals("1970-01-01T00:00:00.000001Z", EventRecords.iso(1));
    }

    @Test
    void aFailedWriteIsAnActionExceptionNamingTheFile() throws Exception {
        JsonLinesFile file = new JsonLinesFile(dir, "notice", 1 << 20, 3);
        file.close();
        NoticeRecorder recorder = new NoticeRecorder(NOTICE, file, CLOCK);
        ActionException e = assertThrows(ActionException.class,
                () -> recorder.handle(json("{}"), new MessageContext(NOTICE, REQID, 1)));
        assertTrue(e.getMessage().contains(dir.resolve("notice.jsonl").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"kiam.console.notice.", "kiam.console.notice.*", "kiam.console.notice.a.b",
            "kiam.console.audit.accountaddemail", "kiam.console.log", "notice", "kiam.console.notice.a b"})
    void noticeSubjectsAreChecked(String subject) throws IOException {
        try (JsonLinesFile file = new JsonLinesFile(dir, "notice", 1 << 20, 3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new NoticeRecorder(subject, file, CLOCK));
            assertTrue(e.getMessage().startsWith("subject"), e.getMessage());
        }
    }

    @Test
    void theWildcardSubjectIsAccepted() throws IOException {
        try (JsonLinesFile file = new JsonLinesFile(dir, "notice", 1 << 20, 3)) {
            assertEquals("kiam.console.notice.>", new NoticeRecorder(NoticeRecorder.ALL, file, CLOCK).subject());
        }
    }

    /** Through the real intake and event pipeline, as the bus delivers a message. */
    @Test
    void recordsThroughTheEventPipeline() throws Exception {
        EnvelopeCodec codec = new EnvelopeCodec();
        MicroClock clock = MicroClock.system();
        Intake intake = new Intake(codec, new EnvelopeValidator(), clock);
        CountingStats stats = new CountingStats();
        try (JsonLinesFile notices = new JsonLinesFile(dir, "notice", 1 << 20, 3);
             JsonLinesFile logs = new JsonLinesFile(dir, "log", 1 << 20, 3)) {
            NoticeRecorder noticeRecorder = new NoticeRecorder(NOTICE, notices, clock);
            LogRecorder logRecorder = new LogRecorder(logs);
            EventPipeline pipeline = new EventPipeline(intake, stats);
            long sent = clock.nowMicros();
            ObjectNode envelope = JSON.createObjectNode()
                    .put("version", "0.1.1").put("time", sent).put("reqid", REQID);
            envelope.set("payload", json("{'userid': 'alice', 'note': '\\u003cb\\u003e', 'passwd': 'p'}"));
            // deliver's result is not asserted (its type is the pipeline's business): the stats
            // below say what became of each message.
            pipeline.deliver(noticeRecorder, NOTICE, JSON.writeValueAsBytes(envelope));
            envelope.set("payload", json("'log line'"));
            pipeline.deliver(logRecorder, Subjects.LOG, JSON.writeValueAsBytes(envelope));
            // A bad envelope is dropped by the intake and never recorded.
            envelope.put("version", "0.2.0");
            pipeline.deliver(noticeRecorder, NOTICE, JSON.writeValueAsBytes(envelope));

            JsonNode notice = lines(notices.path()).get(0);
            assertEquals(1, lines(notices.path()).size());
            assertEquals(NOTICE, notice.get("subject").asText());
            assertEquals(REQID, notice.get("reqid").asText());
            assertEquals(sent, notice.get("sent").asLong());
            assertEquals(json("{'userid': 'alice', 'note': '<b>', 'passwd': '****'}"), notice.get("payload"));
            JsonNode log = lines(logs.path()).get(0);
            assertEquals("log line", log.get("payload").asText());
            assertEquals(Subjects.LOG, log.get("subject").asText());
        }
        HandlerCounts notice = stats.snapshot().handlers().get(NOTICE);
        assertEquals(new HandlerCounts(1, 0, 1, 0, notice.totalNanos(), notice.latencyBuckets()), notice);
        assertEquals(1, notice.latencyBuckets().stream().mapToLong(Long::longValue).sum());
        assertEquals(1, stats.snapshot().handlers().get(Subjects.LOG).handled());
        assertEquals(0, stats.snapshot().handlers().get(Subjects.LOG).failed());
    }
}
