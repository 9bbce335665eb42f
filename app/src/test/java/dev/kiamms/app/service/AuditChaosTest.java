package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.broker.ManagedBroker;
import dev.kiamms.bus.DeadLetters;
import dev.kiamms.testing.FreePorts;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The promise of durable audits under real faults, in the manner of nats-server's own JetStream
 * chaos tests: a steady stream of {@code accountaddemail} audits while the managed nats-server is
 * killed with SIGKILL at random moments, the kiam-ms JVM itself is killed with SIGKILL and started
 * again on the same data directory, and the SMTP server now and then answers slowly. At the end
 * every audit the broker confirmed is mailed exactly once, or is a dead letter marked "may have
 * been delivered" (a crash between the send and its record); nothing is mailed twice, nothing is
 * lost, and no audit becomes a dead letter for another reason.
 *
 * <p>The publisher sends each audit as KrossIAM does (same subject, envelope and credentials), but
 * asks for the stream's receipt so that it knows which audits the broker took: one without a
 * receipt is sent again under the same reqid, which also proves that a copy is never mailed twice.
 * Loopback only; it stops by itself (about three minutes on two cores).
 */
class AuditChaosTest {

    private static final Path TEMPLATES = Path.of(System.getProperty("kiamms.root"), "conf", "templates");
    private static final Duration CHAOS = Duration.ofSeconds(Long.getLong("kiamms.chaos.seconds", 100));
    private static final int MIN_BROKER_KILLS = 20;
    private static final int JVM_KILLS = 3;
    private static final Duration SETTLE = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void everyConfirmedAuditIsMailedExactlyOnceThroughBrokerAndJvmKills() throws Exception {
        long seed = Long.getLong("kiamms.chaos.seed", System.nanoTime());
        Random random = new Random(seed);
        System.out.println("chaos: seed " + seed + " (rerun with -Dkiamms.chaos.seed=" + seed + ")");
        int port = FreePorts.next();
        try (CountingSmtpServer smtp = new CountingSmtpServer(0.1, seed)) {
            Path config = dir.resolve("kiam-ms.yaml");
            Files.writeString(config, "health:\n  port: 0\n"
                    + "broker:\n  port: " + port + "\n  monitor_port: " + FreePorts.next() + "\n"
                    + "  restarts:\n    max_failures: 1000\n    window_seconds: 1\n"
                    + "service:\n  events:\n    subscribe: false\n  logs:\n    subscribe: false\n"
                    + "mail:\n  template_dir: " + TEMPLATES + "\n  mtas:\n    - name: counting\n      host: 127.0.0.1\n"
                    + "      port: " + smtp.port() + "\n      sender: noreply@example.com\n");
            Path data = dir.resolve("data");
            InstancePaths paths = InstancePaths.of(config, data);
            try (ChildAppliance kiamMs = new ChildAppliance(config, data, dir.resolve("console.log"))) {
                kiamMs.start(Duration.ofSeconds(60));
                String url = "nats://" + BrokerCredentials.KIAM + ":" + BrokerCredentials.read(paths.credentialsFile())
                        .password(BrokerCredentials.KIAM) + "@127.0.0.1:" + port;
                ConfirmingPublisher publisher = new ConfirmingPublisher(url);
                Thread publishing = new Thread(publisher, "chaos-publisher");
                publishing.start();

                int brokerKills = 0;
                int jvmKills = 0;
                long start = System.nanoTime();
                long end = start + CHAOS.toNanos();
                List<Long> jvmKillAt = new ArrayList<>();
                for (int i = 1; i <= JVM_KILLS; i++) {
                    double at = (double) i / (JVM_KILLS + 1) + (random.nextDouble() - 0.5) * 0.1;
                    jvmKillAt.add(start + (long) (CHAOS.toNanos() * at));
                }
                long lastJvmRestartMillis = 0;
                while (System.nanoTime() < end || brokerKills < MIN_BROKER_KILLS || jvmKills < JVM_KILLS) {
                    Thread.sleep(1500 + random.nextInt(2500));
                    if (jvmKills < JVM_KILLS && System.nanoTime() >= jvmKillAt.get(jvmKills)) {
                        kiamMs.kill();
                        jvmKills++;
                        Thread.sleep(random.nextInt(1000)); // audits keep coming to the orphaned broker meanwhile
                        long t = System.nanoTime();
                        kiamMs.start(Duration.ofSeconds(60));
                        lastJvmRestartMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t);
                        continue;
                    }
                    Optional<ProcessHandle> broker = ManagedBroker.readPid(paths.natsPidFile()).flatMap(ProcessHandle::of)
                            .filter(ProcessHandle::isAlive);
                    if (broker.isPresent()) {
                        broker.get().destroyForcibly(); // SIGKILL
                        broker.get().onExit().get(10, TimeUnit.SECONDS);
                        brokerKills++;
                    }
                    if (System.nanoTime() - start > CHAOS.toNanos() * 3) {
                        break; // the broker kept not running: the assertions below say so
                    }
                }
                publisher.stop();
                publishing.join(30_000);
                System.out.println("chaos: faults over after " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)
                        + " s; last kiam-ms restart took " + lastJvmRestartMillis + " ms; waiting for the backlog");

                // Let everything confirmed be mailed or buried, then look.
                DeadLetters deadLetters = new DeadLetters(paths.deadLetterDir());
                long settleDeadline = System.nanoTime() + SETTLE.toNanos();
                Map<String, Long> confirmed = publisher.confirmed();
                while (System.nanoTime() < settleDeadline && !AuditOutcomes.accountedFor(confirmed.keySet(), smtp, List.of(deadLetters))) {
                    Thread.sleep(250);
                }
                kiamMs.stop(); // drains: a send still in progress, a duplicate included, ends before the count

                AuditOutcomes o = AuditOutcomes.count(confirmed, smtp, List.of(deadLetters));
                Map<String, Object> figures = new LinkedHashMap<>();
                figures.put("audits confirmed by the broker", confirmed.size());
                figures.put("sent again for want of a receipt", publisher.resent());
                figures.put("nats-server SIGKILLs", brokerKills);
                figures.put("kiam-ms JVM SIGKILLs", jvmKills);
                figures.put("slow SMTP answers", smtp.slowAnswers());
                String report = o.report(figures);
                System.out.print(report);

                String context = report + "\nkiam-ms console (tail):\n" + kiamMs.consoleTail(6000);
                assertTrue(brokerKills >= MIN_BROKER_KILLS, "at least " + MIN_BROKER_KILLS + " broker kills\n" + context);
                assertEquals(JVM_KILLS, jvmKills, context);
                assertTrue(confirmed.size() >= 100, "a steady stream of audits was confirmed\n" + context);
                assertEquals(null, publisher.failure(), "the publisher kept going\n" + context);
                o.assertThePromise(context);
                assertTrue(o.possiblyDelivered().size() <= JVM_KILLS + brokerKills,
                        "possibly-delivered only where a kill struck during a send\n" + context);
            }
        }
    }
}
