package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.broker.ManagedBroker;
import dev.kiamms.bus.DeadLetters;
import dev.kiamms.bus.DeliveryLedger;
import dev.kiamms.bus.DurableEvents;
import dev.kiamms.testing.FreePorts;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.StreamInfo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three appliances in one cluster keep the audit stream and the delivery records on all three
 * nodes (broker.jetstream.replicas defaults to 3 there). The node leading the stream is killed
 * outright (its JVM and its nats-server, SIGKILL) while audits keep coming: every audit the
 * cluster confirmed is still mailed exactly once by the two nodes left, or kept as "may have been
 * delivered" where the kill cut a send.
 */
class ClusterAuditReplicasTest {

    private static final Path TEMPLATES = Path.of(System.getProperty("kiamms.root"), "conf", "templates");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void killingTheStreamLeaderOfThreeLosesNoAudit() throws Exception {
        int n = 3;
        int[] ports = new int[n];
        int[] routePorts = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = FreePorts.next();
            routePorts[i] = FreePorts.next();
        }
        List<ChildAppliance> nodes = new ArrayList<>();
        List<InstancePaths> paths = new ArrayList<>();
        try (CountingSmtpServer smtp = new CountingSmtpServer(0.05, 7)) {
            for (int i = 0; i < n; i++) {
                StringBuilder routes = new StringBuilder();
                for (int j = 0; j < n; j++) {
                    if (j != i) {
                        routes.append("      - nats-route://127.0.0.1:").append(routePorts[j]).append('\n');
                    }
                }
                Path nodeDir = Files.createDirectories(dir.resolve("node" + i));
                Path config = nodeDir.resolve("kiam-ms.yaml");
                Files.writeString(config, "health:\n  port: 0\nbroker:\n  port: " + ports[i] + "\n  monitor_port: " + FreePorts.next()
                        + "\n  server_name: node" + i + "\n  cluster:\n    name: kiam-test\n    listen: 127.0.0.1:" + routePorts[i]
                        + "\n    routes:\n" + routes + "service:\n  events:\n    subscribe: false\n  logs:\n    subscribe: false\n"
                        + "mail:\n  template_dir: " + TEMPLATES + "\n  mtas:\n    - name: counting\n      host: 127.0.0.1\n"
                        + "      port: " + smtp.port() + "\n      sender: noreply@example.com\n");
                paths.add(InstancePaths.of(config, nodeDir.resolve("data")));
                nodes.add(new ChildAppliance(config, nodeDir.resolve("data"), nodeDir.resolve("console.log")));
            }
            // One set of broker users for the whole cluster, as the README tells operators.
            BrokerCredentials.loadOrCreate(paths.get(0).credentialsFile());
            for (InstancePaths p : paths.subList(1, n)) {
                Files.createDirectories(p.brokerDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Files.copy(paths.get(0).credentialsFile(), p.credentialsFile(), StandardCopyOption.COPY_ATTRIBUTES);
            }
            for (ChildAppliance node : nodes) {
                node.launch();
            }
            for (ChildAppliance node : nodes) {
                node.awaitReady(Duration.ofSeconds(90));
            }
            String[] urls = new String[n];
            for (int i = 0; i < n; i++) {
                urls[i] = AuditFaults.kiamUrl(paths.get(i), ports[i]);
            }
            String mss = "nats://" + BrokerCredentials.MSS + ":" + BrokerCredentials.read(paths.get(0).credentialsFile())
                    .password(BrokerCredentials.MSS) + "@127.0.0.1:";
            String leader;
            try (Connection admin = Nats.connect(mss + ports[0])) {
                StreamInfo stream = admin.jetStreamManagement().getStreamInfo(DurableEvents.STREAM);
                assertEquals(3, stream.getConfiguration().getReplicas(), "the audit stream is kept on all three nodes");
                assertEquals(3, admin.keyValueManagement().getStatus(DeliveryLedger.BUCKET).getReplicas(),
                        "and so are the delivery records");
                leader = stream.getClusterInfo().getLeader();
            }
            int victim = Integer.parseInt(leader.substring("node".length()));
            System.out.println("cluster up; the stream's leader is " + leader);

            ConfirmingPublisher publisher = new ConfirmingPublisher(urls);
            Thread publishing = new Thread(publisher, "cluster-publisher");
            publishing.start();
            Thread.sleep(8_000);
            long killedAt = System.nanoTime();
            ProcessHandle broker = ManagedBroker.readPid(paths.get(victim).natsPidFile()).flatMap(ProcessHandle::of).orElseThrow();
            nodes.get(victim).kill();
            broker.destroyForcibly();
            broker.onExit().get(10, TimeUnit.SECONDS);
            int confirmedBefore = publisher.confirmed().size();
            Thread.sleep(12_000);
            publisher.stop();
            publishing.join(30_000);
            int confirmedAfter = publisher.confirmed().size() - confirmedBefore;

            Map<String, Long> confirmed = publisher.confirmed();
            List<DeadLetters> stores = paths.stream().map(p -> new DeadLetters(p.deadLetterDir())).toList();
            long settleDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < settleDeadline && !AuditOutcomes.accountedFor(confirmed.keySet(), smtp, stores)) {
                Thread.sleep(250);
            }
            for (int i = 0; i < n; i++) {
                if (i != victim) {
                    nodes.get(i).stop();
                }
            }
            AuditOutcomes o = AuditOutcomes.count(confirmed, smtp, stores);
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("nodes", n);
            figures.put("node killed (stream leader)", leader);
            figures.put("confirmed before / after the kill", confirmedBefore + " / " + confirmedAfter);
            figures.put("sent again for want of a receipt", publisher.resent());
            figures.put("seconds from the kill to the end", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killedAt));
            String report = o.report(figures);
            System.out.print(report);
            StringBuilder consoles = new StringBuilder(report);
            for (int i = 0; i < n; i++) {
                consoles.append("\nnode").append(i).append(" console (tail):\n").append(nodes.get(i).consoleTail(3000));
            }
            assertEquals(null, publisher.failure(), consoles.toString());
            assertTrue(confirmedAfter > 0, "the two nodes left keep taking audits\n" + consoles);
            o.assertThePromise(consoles.toString());
        } finally {
            for (ChildAppliance node : nodes) {
                node.close();
            }
        }
    }
}
