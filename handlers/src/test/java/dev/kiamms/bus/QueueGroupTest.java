package dev.kiamms.bus;

import dev.kiamms.protocol.Reply;
import dev.kiamms.testing.NatsServerFixture;
import dev.kiamms.testing.PipelineHarness;
import dev.kiamms.testing.RecordingActionHandler;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two kiam-ms instances on one broker share the actions: each request is handled exactly once
 * (the reference server, subscribing without a queue group, handles every action twice).
 */
class QueueGroupTest {

    private static final int REQUESTS = 200;

    @Test
    void twoInstancesHandleEachRequestExactlyOnceBetweenThem() throws Exception {
        RecordingActionHandler<JsonNode> first =
                new RecordingActionHandler<>("work", JsonNode.class, (p, c) -> Map.of("instance", "first"));
        RecordingActionHandler<JsonNode> second =
                new RecordingActionHandler<>("work", JsonNode.class, (p, c) -> Map.of("instance", "second"));
        try (NatsServerFixture nats = NatsServerFixture.start();
             PipelineHarness a = PipelineHarness.builder().action(first).connect(nats.url());
             PipelineHarness b = PipelineHarness.builder().action(second).connect(nats.url());
             KrossIamClient kiam = KrossIamClient.connect(nats.url())) {

            assertEquals(a.subscribed(), b.subscribed(), "both instances subscribe alike");
            assertTrue(a.subscribed().contains("kiam.console.action.work"), a.subscribed().toString());

            List<String> sent = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                KrossIamClient.Exchange x = kiam.request("work", Map.of("i", i), Duration.ofSeconds(10));
                Reply r = x.reply();
                assertEquals(0, r.code(), r.toString());
                assertEquals(x.reqid(), r.reqid());
                sent.add(x.reqid());
            }

            List<String> handled = new ArrayList<>(first.reqids());
            handled.addAll(second.reqids());
            assertEquals(REQUESTS, handled.size(), "requests handled in total (first " + first.count()
                    + ", second " + second.count() + ")");
            Set<String> distinct = new HashSet<>(handled);
            assertEquals(REQUESTS, distinct.size(), "a request was handled twice");
            assertEquals(new HashSet<>(sent), distinct);
            // The broker picks a member at random: with 200 requests both get some (all to one: p = 2^-199).
            assertTrue(first.count() > 0 && second.count() > 0,
                    "work not shared: first " + first.count() + ", second " + second.count());
        }
    }
}
