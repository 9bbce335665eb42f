package dev.kiamms.app.service;

import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.iplocation.IpLocationRequest;
import dev.kiamms.protocol.Reply;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.Await;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What KrossIAM publishes while the audit stream cannot take it is not lost: the kiam-ms that
 * receives it keeps it in its spool, says so in its health, and moves it into the stream once the
 * stream is back; each such audit is mailed once. A node started alone answers actions at once
 * and attaches its consumers when its peers come.
 */
class ClusterSpoolTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aNodeStartedAloneAnswersActionsAndItsAuditsAreMailedOnceThePeersCome() throws Exception {
        try (CountingSmtpServer smtp = new CountingSmtpServer(0, 1); TestCluster cluster = new TestCluster(dir, 3, smtp.port(), "")) {
            long t0 = System.nanoTime();
            cluster.nodes.get(0).start(Duration.ofSeconds(60));
            long readyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            List<String> reqids = new ArrayList<>();
            try (KrossIamClient kiam = KrossIamClient.connect(cluster.kiamUrl(0))) {
                Reply reply = kiam.request("iplocation", new IpLocationRequest("81.2.69.142", "en"), Duration.ofSeconds(10)).reply();
                assertEquals(1, reply.code(), "answered (no GeoIP database is configured): " + reply.message());
                assertTrue(reply.message().contains("GeoIP"), reply.message());
                System.out.println("a node alone was ready and answering after " + readyMillis + " ms");
                Await.until(Duration.ofSeconds(10), () -> RunStats.read(cluster.paths.get(0).statsFile())
                        .map(s -> "degraded".equals(s.health()) && String.valueOf(s.problems()).contains("JetStream is not available yet"))
                        .orElse(false), () -> "status says why audits wait: " + RunStats.read(cluster.paths.get(0).statsFile()));
                for (int i = 0; i < 5; i++) {
                    reqids.add(kiam.publish(Subjects.audit("accountaddemail"), AuditFaults.audit(i)));
                }
                kiam.flush(Duration.ofSeconds(5));
            }
            cluster.nodes.get(1).launch();
            cluster.nodes.get(2).launch();
            cluster.nodes.get(1).awaitReady(Duration.ofSeconds(90));
            cluster.nodes.get(2).awaitReady(Duration.ofSeconds(90));
            Await.until(Duration.ofSeconds(90), () -> reqids.stream().allMatch(r -> smtp.mailed().containsKey(r)),
                    () -> "the audits published while the node was alone are mailed once its peers are up" + cluster.consoles());
            Await.until(Duration.ofSeconds(20), () -> RunStats.read(cluster.paths.get(0).statsFile())
                    .map(s -> "ok".equals(s.health())).orElse(false), () -> "healthy once attached: "
                    + RunStats.read(cluster.paths.get(0).statsFile()));
            for (ChildAppliance node : cluster.nodes) {
                node.stop(); // drains: a second mail in progress would be counted now
            }
            for (String r : reqids) {
                assertEquals(1, smtp.mailed().get(r).get(), "mailed once: " + r);
            }
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void inATwoNodeClusterAuditsPublishedWhileTheStreamsNodeIsDownAreMailedOnceItReturns() throws Exception {
        try (CountingSmtpServer smtp = new CountingSmtpServer(0, 1); TestCluster cluster = new TestCluster(dir, 2, smtp.port(), "")) {
            cluster.nodes.get(0).launch();
            cluster.nodes.get(1).launch();
            cluster.nodes.get(0).awaitReady(Duration.ofSeconds(90));
            cluster.nodes.get(1).awaitReady(Duration.ofSeconds(90));
            String leader = cluster.awaitStream().getClusterInfo().getLeader();
            int holder = Integer.parseInt(leader.substring("node".length()));
            int other = 1 - holder;
            List<String> reqids = new ArrayList<>();
            try (KrossIamClient kiam = KrossIamClient.connect(cluster.kiamUrl(other))) {
                reqids.add(AuditFaults.publishConfirmed(kiam, 0));
                Await.until(Duration.ofSeconds(20), () -> smtp.mailed().containsKey(reqids.get(0)), () -> "mailed while both are up");
                cluster.kill(holder);
                System.out.println("killed " + leader + ", the node holding the one copy of the stream");
                for (int i = 1; i <= 10; i++) {
                    reqids.add(kiam.publish(Subjects.audit("accountaddemail"), AuditFaults.audit(i)));
                    Thread.sleep(100);
                }
                kiam.flush(Duration.ofSeconds(5));
            }
            Await.until(Duration.ofSeconds(30), () -> RunStats.read(cluster.paths.get(other).statsFile())
                    .map(s -> "degraded".equals(s.health()) && String.valueOf(s.problems()).contains("spool holds"))
                    .orElse(false), () -> "the surviving node says the spool holds audits: "
                    + RunStats.read(cluster.paths.get(other).statsFile()) + cluster.consoles());
            for (int i = 1; i < reqids.size(); i++) {
                assertTrue(!smtp.mailed().containsKey(reqids.get(i)), "none mailed while the stream is away");
            }
            long back = System.nanoTime();
            cluster.nodes.get(holder).start(Duration.ofSeconds(90));
            Await.until(Duration.ofSeconds(90), () -> reqids.stream().allMatch(r -> smtp.mailed().containsKey(r)),
                    () -> "every audit mailed once the node is back" + cluster.consoles());
            System.out.println("the spooled audits were mailed " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back)
                    + " ms after the node holding the stream came back");
            for (ChildAppliance node : cluster.nodes) {
                node.stop();
            }
            for (String r : reqids) {
                assertEquals(1, smtp.mailed().get(r).get(), "mailed once: " + r);
            }
        }
    }
}
