package dev.kiamms.mail.delivery;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static dev.kiamms.mail.delivery.DeliveryTestSupport.HOST;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.TO;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.greenMail;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.mail;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.mta;
import static dev.kiamms.mail.delivery.DeliveryTestSupport.smtpPort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MTA circuit breaker over real TCP: a dead MTA (one that accepts connections and never
 * greets, or refuses them) is skipped after three failures, probed once after the cool-down, and
 * used again when the probe succeeds. Every attempt and skip reaches the attempt log.
 */
@Timeout(120)
class MtaCircuitBreakerTest {

    /** The dead MTA's read time-out: what each mail would wait without the breaker. */
    private static final Duration DEAD_WAIT = Duration.ofSeconds(3);
    private static final SmtpTimeouts TIMEOUTS = new SmtpTimeouts(Duration.ofSeconds(3), DEAD_WAIT, Duration.ofSeconds(3));
    private static final Duration COOL_DOWN = Duration.ofSeconds(2);

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<AttemptEntry> logged = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private MailDelivery delivery(List<MtaConfig> mtas) {
        MailDelivery d = new MailDelivery(mtas, "", TIMEOUTS, null, Map.of(), new MtaBreaker.Policy(3, COOL_DOWN), logged::add,
                dev.kiamms.metrics.StatsTracker.NONE);
        toClose.add(d);
        return d;
    }

    private GreenMail started(GreenMail g) {
        toClose.add(g::stop);
        return g;
    }

    /** Sends one mail and returns how long it took, in ms. */
    private static long timedSend(MailDelivery d, String reqid) throws DeliveryException {
        long t0 = System.nanoTime();
        DeliveryReport r = d.deliver(reqid, "sendverifyemail", mail(reqid), null);
        assertEquals("backup", r.mta(), reqid + " went to " + r.mta());
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static MtaBreaker.State stateOf(MailDelivery d, String mta) {
        return d.mtaStates().stream().filter(s -> s.mta().equals(mta)).findFirst().orElseThrow();
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "waited 30 s for " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void refusedAddressesDoNotRestAWorkingMta() throws Exception {
        ScriptedSmtpServer strict = new ScriptedSmtpServer();
        toClose.add(strict);
        strict.rcptReply = line -> "550 5.1.1 no such user";
        GreenMail backup = started(greenMail());
        MailDelivery d = delivery(List.of(mta("strict", strict.port()), mta("backup", smtpPort(backup))));
        for (int i = 1; i <= 5; i++) {
            timedSend(d, "nobody-" + i);
        }
        MtaBreaker.State state = stateOf(d, "strict");
        assertEquals(MtaBreaker.Phase.CLOSED, state.phase(), "five refused addresses say nothing of the server: " + state);
        assertEquals(0, state.consecutiveFailures(), String.valueOf(state));
        assertEquals(5, backup.getReceivedMessages().length);
    }

    @Test
    void aSilentMtaIsSkippedAfterThreeFailuresAndProbedOnceAfterTheCoolDown() throws Exception {
        SilentServer dead = new SilentServer();
        toClose.add(dead);
        GreenMail backup = started(greenMail());
        MailDelivery d = delivery(List.of(mta("dead", dead.port()), mta("backup", smtpPort(backup))));

        List<Long> failing = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            failing.add(timedSend(d, "fail-" + i));
        }
        System.out.println("sends while the dead MTA was still tried (ms): " + failing);
        assertEquals(3, dead.accepted(), "each of the first three mails tried the dead MTA");
        MtaBreaker.State open = stateOf(d, "dead");
        assertEquals(MtaBreaker.Phase.OPEN, open.phase(), String.valueOf(open));
        assertEquals(3, open.consecutiveFailures());
        assertNotNull(open.openUntil());

        List<Long> skipping = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            skipping.add(timedSend(d, "skip-" + i));
        }
        System.out.println("sends while the dead MTA was skipped (ms): " + skipping + ", its time-out: " + DEAD_WAIT.toMillis());
        assertEquals(3, dead.accepted(), "no mail tried the dead MTA while it rested");
        for (long ms : skipping) {
            assertTrue(ms < DEAD_WAIT.toMillis() / 3, "a skipping send took " + ms + " ms, the dead MTA's time-out is "
                    + DEAD_WAIT.toMillis() + " ms");
        }
        assertEquals(8, backup.getReceivedMessages().length);

        waitFor("the cool-down to end", () -> stateOf(d, "dead").phase() == MtaBreaker.Phase.HALF_OPEN);
        // One mail probes the dead MTA (and waits for its time-out); one sent meanwhile skips it.
        CompletableFuture<Long> probe = CompletableFuture.supplyAsync(() -> {
            try {
                return timedSend(d, "probe");
            } catch (DeliveryException e) {
                throw new IllegalStateException(e);
            }
        });
        waitFor("the probe to connect", () -> dead.accepted() == 4);
        long during = timedSend(d, "during-probe");
        long probeMs = probe.get();
        System.out.println("probe send: " + probeMs + " ms; send during the probe: " + during + " ms");
        assertEquals(4, dead.accepted(), "exactly one mail probed");
        assertTrue(during < DEAD_WAIT.toMillis() / 3, "the send during the probe took " + during + " ms");
        MtaBreaker.State again = stateOf(d, "dead");
        assertEquals(MtaBreaker.Phase.OPEN, again.phase(), "a failed probe opens the breaker again: " + again);
        assertEquals(4, again.consecutiveFailures());

        List<AttemptEntry> skipEntries = logged.stream().filter(e -> e.reqid().equals("skip-1")).toList();
        assertEquals(List.of("dead SKIPPED", "backup DELIVERED"),
                skipEntries.stream().map(e -> e.mta() + " " + e.outcome()).toList());
        assertEquals(List.of("u***@example.org"), skipEntries.get(0).to(), "a skip names the recipients too");
        assertEquals(List.of("u***@example.org"), skipEntries.get(1).to());
        assertEquals(List.of(AttemptEntry.hash("User@Example.org ")), skipEntries.get(1).toHashes());
        assertEquals("sendverifyemail", skipEntries.get(1).key());
        assertEquals(List.of("dead NOT_DELIVERED", "backup DELIVERED"), logged.stream()
                .filter(e -> e.reqid().equals("fail-1")).map(e -> e.mta() + " " + e.outcome()).toList());
        assertTrue(logged.stream().noneMatch(e -> e.toString().contains(TO)), "no address in clear: " + logged);
    }

    @Test
    void aSuccessfulProbeClosesTheBreaker() throws Exception {
        int port = DeliveryTestSupport.closedPort();
        GreenMail backup = started(greenMail());
        MailDelivery d = delivery(List.of(mta("main", port), mta("backup", smtpPort(backup))));
        for (int i = 1; i <= 3; i++) {
            timedSend(d, "refused-" + i);
        }
        assertEquals(MtaBreaker.Phase.OPEN, stateOf(d, "main").phase());

        GreenMail main = started(new GreenMail(new ServerSetup(port, HOST, ServerSetup.PROTOCOL_SMTP)));
        main.start();
        waitFor("the cool-down to end", () -> stateOf(d, "main").phase() == MtaBreaker.Phase.HALF_OPEN);
        DeliveryReport r = d.deliver("probe", "sendverifyemail", mail("probe"), null);
        assertEquals("main", r.mta());
        MtaBreaker.State closed = stateOf(d, "main");
        assertEquals(MtaBreaker.Phase.CLOSED, closed.phase(), String.valueOf(closed));
        assertEquals(0, closed.consecutiveFailures());
        assertEquals("main", d.deliver("after", "sendverifyemail", mail("after"), null).mta());
        assertEquals(2, main.getReceivedMessages().length);
    }

    /** Accepts TCP connections and never says a word: an MTA hung before its greeting. */
    private static final class SilentServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName(HOST));
        private final AtomicInteger accepted = new AtomicInteger();
        private final List<Socket> held = new CopyOnWriteArrayList<>();

        SilentServer() throws IOException {
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        held.add(socket.accept());
                        accepted.incrementAndGet();
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "silent-smtp");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
