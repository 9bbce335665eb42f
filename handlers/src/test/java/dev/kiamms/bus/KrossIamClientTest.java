package dev.kiamms.bus;

import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.DecodedBody;
import dev.kiamms.protocol.Envelope;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.NatsServerFixture;
import dev.kiamms.testing.PipelineHarness;
import dev.kiamms.testing.RecordingActionHandler;

import com.fasterxml.jackson.databind.JsonNode;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test client must behave like KrossIAM's, or every test built on it proves the wrong thing. */
class KrossIamClientTest {

    private static NatsServerFixture nats;
    private static PipelineHarness pipeline;
    private static Connection observer;

    private static final RecordingActionHandler<JsonNode> SLOW = new RecordingActionHandler<>("slow", JsonNode.class,
            (p, c) -> {
                try {
                    Thread.sleep(1_500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Map.of("slept", true);
            });

    @BeforeAll
    static void start() throws Exception {
        nats = NatsServerFixture.start();
        pipeline = PipelineHarness.builder().action(SLOW).connect(nats.url());
        observer = nats.connect();
    }

    @AfterAll
    static void stop() throws Exception {
        if (observer != null) {
            observer.close();
        }
        if (pipeline != null) {
            pipeline.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void sendsWhatKrossIamSends() throws Exception {
        Subscription sub = observer.subscribe(Subjects.action("inspect"));
        observer.flush(Duration.ofSeconds(5));
        try (KrossIamClient kiam = KrossIamClient.connect(nats.url())) {
            long before = MicroClock.system().nowMicros();
            // Nobody replies: only the request itself is of interest here.
            assertThrows(KrossIamClient.RequestFailed.class,
                    () -> kiam.request("inspect", Map.of("ipaddr", "81.2.69.142"), Duration.ofMillis(300)));
            Message m = sub.nextMessage(Duration.ofSeconds(5));
            assertNotNull(m, "request not seen on the action subject");
            assertTrue(m.getReplyTo().startsWith("kiam._inbox."), m.getReplyTo());
            DecodedBody<JsonNode> d = new EnvelopeCodec().decode(m.getData(), JsonNode.class);
            assertNull(d.malformed(), () -> new String(m.getData(), java.nio.charset.StandardCharsets.UTF_8));
            Envelope e = d.envelope();
            assertEquals("0.1.1", e.version());
            assertTrue(e.reqid().matches("[0-9a-f]{32}"), e.reqid());
            assertTrue(Math.abs(e.timeMicros() - before) < 60_000_000L, "time not in microseconds: " + e.timeMicros());
            assertEquals("81.2.69.142", d.payload().get("ipaddr").textValue());
        } finally {
            sub.unsubscribe();
        }
    }

    @Test
    void silenceIsReportedAsNoReplyWithinTheTimeout() throws Exception {
        Subscription silent = observer.subscribe(Subjects.action("silent"));
        observer.flush(Duration.ofSeconds(5));
        try (KrossIamClient kiam = KrossIamClient.connect(nats.url())) {
            KrossIamClient.RequestFailed e = assertThrows(KrossIamClient.RequestFailed.class,
                    () -> kiam.request("silent", Map.of(), Duration.ofSeconds(1)));
            assertTrue(e.getMessage().contains("no reply"), e.getMessage());
        } finally {
            silent.unsubscribe();
        }
    }

    @Test
    void aSlowReplyWithinTheRequestedTimeoutIsReceived() throws Exception {
        // jnats cancels a request future without its own timeout after requestCleanupInterval
        // (5 s by default): KrossIAM waits 60 s, so the client must honour the timeout it is given.
        // A short cleanup interval makes the difference show in 1.5 s instead of 10.
        try (KrossIamClient kiam = KrossIamClient.connect(
                KrossIamClient.options(nats.url()).requestCleanupInterval(Duration.ofMillis(250)).build())) {
            KrossIamClient.Exchange x = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> kiam.request("slow", Map.of(), Duration.ofSeconds(20)));
            assertEquals(0, x.reply().code(), x.reply().toString());
            assertEquals(Map.of("slept", true), x.reply().payload());
        }
    }
    @Test
    void nobodySubscribedIsReportedAsNoResponders() throws Exception {
        try (KrossIamClient kiam = KrossIamClient.connect(nats.url())) {
            KrossIamClient.RequestFailed e = assertThrows(KrossIamClient.RequestFailed.class,
                    () -> kiam.request("nobody-here", Map.of(), Duration.ofSeconds(20)));
            assertTrue(e.getMessage().startsWith("no responders"), e.getMessage());
        }
    }

    @Test
    void aRequestCancelledByItsClosingConnectionIsNotCalledNoResponders() throws Exception {
        // Someone takes the request and never answers; then the connection closes under it. That is
        // a request that may have been accepted and lost, the opposite of "nobody is subscribed".
        Subscription taker = observer.subscribe(Subjects.action("taken"));
        observer.flush(Duration.ofSeconds(5));
        KrossIamClient kiam = KrossIamClient.connect(nats.url());
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            Future<KrossIamClient.Exchange> pending = one.submit(() -> kiam.request("taken", Map.of(), Duration.ofSeconds(30)));
            assertNotNull(taker.nextMessage(Duration.ofSeconds(5)), "the request reached its taker");
            kiam.close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> pending.get(20, TimeUnit.SECONDS));
            KrossIamClient.RequestFailed failed = assertInstanceOf(KrossIamClient.RequestFailed.class, e.getCause());
            assertFalse(failed.getMessage().contains("no responders"), failed.getMessage());
            assertTrue(failed.getMessage().contains("connection"), failed.getMessage());

            KrossIamClient.RequestFailed afterwards = assertThrows(KrossIamClient.RequestFailed.class,
                    () -> kiam.request("taken", Map.of(), Duration.ofSeconds(1)), "a request on a closed connection");
            assertTrue(afterwards.getMessage().contains("connection"), afterwards.getMessage());
        } finally {
            one.shutdownNow();
            taker.unsubscribe();
            kiam.close();
        }
    }
}
