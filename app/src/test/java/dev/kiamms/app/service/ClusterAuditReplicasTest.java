package dev.kiamms.app.service;

import dev.kiamms.bus.DeadLetters;
import dev.kiamms.bus.DeliveryLedger;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.StreamInfo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three appliances in one cluster keep the audit stream and the delivery records on all three
 * nodes (broker.jetstream.replicas defaults to 3 there). The node leading the stream is killed
 * outright (its JVM and its nats-server, SIGKILL) while audits keep coming, and later started
 * again: every audit the cluster confirmed is mailed exactly once, or kept as "may have been
 * delivered" where the kill cut a send.
 */
class ClusterAuditReplicasTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void killingTheStreamLeaderOfThreeLosesNoAudit() throws Exception {
        int n = 3;
        try (CountingSmtpServer smtp = new CountingSmtpServer(0.05, 7); TestCluster cluster = new TestCluster(dir, n, smtp.port(), "")) {
            for (ChildAppliance node : cluster.nodes) {
                node.launch(); // in any order, together: each waits for the others' JetStream
            }
            for (ChildAppliance node : cluster.nodes) {
                node.awaitReady(Duration.ofSeconds(90));
            }
            String leader;
            StreamInfo stream = cluster.awaitStream();
            try (Connection admin = Nats.connect(cluster.mssUrl(0))) {
                assertEquals(3, stream.getConfiguration().getReplicas(), "the audit stream is kept on all three nodes");
                assertEquals(3, admin.keyValueManagement().getStatus(DeliveryLedger.BUCKET).getReplicas(),
                        "and so are the delivery records");
                leader = stream.getClusterInfo().getLeader();
            }
            int victim = Integer.parseInt(leader.substring("node".length()));
            System.out.println("cluster up; the stream's leader is " + leader);

            ConfirmingPublisher publisher = new ConfirmingPublisher(cluster.kiamUrls());
            Thread publishing = new Thread(publisher, "cluster-publisher");
            publishing.start();
            Thread.sleep(8_000);
            long killedAt = System.nanoTime();
            cluster.kill(victim);
            int confirmedBefore = publisher.confirmed().size();
            Thread.sleep(12_000);
            int confirmedWhileDown = publisher.confirmed().size() - confirmedBefore;
            cluster.nodes.get(victim).start(Duration.ofSeconds(90)); // back on its data directory
            Thread.sleep(6_000);
            publisher.stop();
            publishing.join(30_000);

            Map<String, Long> confirmed = publisher.confirmed();
            List<DeadLetters> stores = cluster.paths.stream().map(p -> new DeadLetters(p.deadLetterDir())).toList();
            long settleDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < settleDeadline && !AuditOutcomes.accountedFor(confirmed.keySet(), smtp, stores)) {
                Thread.sleep(250);
            }
            for (ChildAppliance node : cluster.nodes) {
                node.stop();
            }
            AuditOutcomes o = AuditOutcomes.count(confirmed, smtp, stores);
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("nodes", n);
            figures.put("node killed (stream leader), then back", leader);
            figures.put("confirmed before / while down / in all", confirmedBefore + " / " + confirmedWhileDown + " / " + confirmed.size());
            figures.put("sent again for want of a receipt", publisher.resent());
            figures.put("seconds from the kill to the end", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killedAt));
            String report = o.report(figures);
            System.out.print(report);
            String context = report + cluster.consoles();
            assertEquals(null, publisher.failure(), context);
            assertTrue(confirmedWhileDown > 0, "the two nodes left keep taking audits\n" + context);
            o.assertThePromise(context);
        }
    }
}
