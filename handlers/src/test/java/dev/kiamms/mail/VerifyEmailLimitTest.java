package dev.kiamms.mail;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.bus.KvSendBudget;
import dev.kiamms.limit.BudgetCounts;
import dev.kiamms.limit.SendBudget;
import dev.kiamms.limit.SendLimit;
import dev.kiamms.mail.delivery.MailDelivery;
import dev.kiamms.mail.delivery.MtaConfig;
import dev.kiamms.mail.delivery.SmtpTimeouts;
import dev.kiamms.mail.template.MailTemplates;
import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.MessageContext;
import dev.kiamms.protocol.Reply;
import dev.kiamms.testing.NatsServerFixture;
import dev.kiamms.testing.PipelineHarness;

import io.nats.client.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-address limit of sendverifyemail over a real nats-server with JetStream and a real SMTP
 * server (GreenMail): the sixth mail to one address within the window is refused with a message
 * KrossIAM can show, every kiam-ms on the broker counts against the same budget, and a limit
 * store that does not answer refuses the mail rather than sending it unlimited.
 */
@Timeout(120)
class VerifyEmailLimitTest {

    private static final Path SHIPPED = Path.of(System.getProperty("kiamms.root", "../"), "conf", "templates");
    private static final SendLimit FIVE_IN_TEN = new SendLimit(5, Duration.ofMinutes(10));
    private static final Map<String, SendLimit> LIMITS = Map.of(SendVerifyEmailHandler.KEY, FIVE_IN_TEN);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(1);

    @TempDir
    Path store;
    private NatsServerFixture nats;
    private GreenMail smtp;
    private MailDelivery delivery;
    private MailComposer composer;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        nats = NatsServerFixture.start(null, List.of("-js", "-sd", store.toString()));
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        delivery = new MailDelivery(List.of(new MtaConfig("main", "127.0.0.1", smtp.getSmtp().getPort(), false,
                "KrossIAM <sender@kiam.test>", "", List.of(), List.of(), "", "")), "",
                new SmtpTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5)), null);
        MailTemplates templates = MailTemplates.load(SHIPPED);
        composer = new MailComposer(() -> templates, "");
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        delivery.close();
        smtp.stop();
        nats.close();
    }

    private Connection connect() throws Exception {
        Connection c = nats.connect();
        toClose.add(c);
        return c;
    }

    private SendVerifyEmailHandler handler(SendBudget budget) {
        return new SendVerifyEmailHandler(() -> composer, () -> delivery, Duration.ofSeconds(20), budget);
    }

    private long mailsTo(String address) {
        return smtp.findReceivedMessages(u -> u.getEmail().equalsIgnoreCase(address), m -> true).count();
    }

    private static VerifyEmailRequest request(String to) {
        return new VerifyEmailRequest("Verify your email", "alice", to, "https://iam.example.com/verify?token=t", "en", "in 1 hour");
    }

    private static MessageContext context(int n) {
        return new MessageContext("kiam.console.action.sendverifyemail", String.format("%032x", n), 0);
    }

    @Test
    void theSixthMailToOneAddressIsRefusedWithAMessageKrossIamCanShow() throws Exception {
        BudgetCounts counts = new BudgetCounts();
        SendBudget budget = counts.counting(KvSendBudget.open(connect(), LIMITS, 1, CALL_TIMEOUT, Clock.systemUTC()));
        PipelineHarness kiamMs = PipelineHarness.builder().action(handler(budget)).connect(nats.url());
        toClose.add(kiamMs);
        KrossIamClient kiam = KrossIamClient.connect(nats.url());
        toClose.add(kiam);

        List<Reply> replies = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            replies.add(kiam.request(SendVerifyEmailHandler.KEY, request("Bob@Example.org"), Duration.ofSeconds(30)).reply());
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(0, replies.get(i).code(), "mail " + (i + 1) + ": " + replies.get(i));
        }
        Reply sixth = replies.get(5);
        System.out.println("sixth reply: " + sixth);
        assertEquals(1, sixth.code(), sixth.toString());
        assertEquals("too many verification mails to this address; try again in 10 minutes", sixth.message());
        assertEquals(5, mailsTo("bob@example.org"), "five mailed, the sixth not");

        // The address is counted however KrossIAM spells it; another address has its own budget.
        Reply other = kiam.request(SendVerifyEmailHandler.KEY, request("carol@example.org"), Duration.ofSeconds(30)).reply();
        assertEquals(0, other.code(), other.toString());
        assertEquals(1, mailsTo("carol@example.org"));

        assertEquals(new BudgetCounts.Counts(6, 1, 0), counts.snapshot().get(SendVerifyEmailHandler.KEY));
    }

    @Test
    void theMinutesToWaitCountFromWhenTheOldestSendLeavesTheWindowRoundedUp() throws Exception {
        AtomicLong now = new AtomicLong(Instant.parse("2026-12-04T10:00:00Z").toEpochMilli());
        Clock clock = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
        SendVerifyEmailHandler handler = handler(KvSendBudget.open(connect(), LIMITS, 1, CALL_TIMEOUT, clock));
        for (int i = 0; i < 5; i++) {
            handler.handle(request("dave@example.org"), context(i));
            now.addAndGet(Duration.ofSeconds(10).toMillis());
        }
        // The oldest send was 3 min 30 s ago (the later ones 10 s apart): it leaves the window in 6 min 30 s.
        now.set(Instant.parse("2026-12-04T10:03:30Z").toEpochMilli());
        ActionException refused = assertThrows(ActionException.class, () -> handler.handle(request("dave@example.org"), context(5)));
        assertEquals("too many verification mails to this address; try again in 7 minutes", refused.getMessage());

        // Once it has left the window, one more mail is allowed, and the next one is refused again.
        now.set(Instant.parse("2026-12-04T10:10:01Z").toEpochMilli());
        handler.handle(request("dave@example.org"), context(6));
        ActionException again = assertThrows(ActionException.class, () -> handler.handle(request("dave@example.org"), context(7)));
        assertEquals("too many verification mails to this address; try again in 1 minute", again.getMessage());
        assertEquals(6, mailsTo("dave@example.org"));
    }

    @Test
    void twoInstancesShareOneBudgetEvenWhenTheySendAtTheSameMoment() throws Exception {
        SendBudget a = KvSendBudget.open(connect(), LIMITS, 1, CALL_TIMEOUT, Clock.systemUTC());
        SendBudget b = KvSendBudget.open(connect(), LIMITS, 1, CALL_TIMEOUT, Clock.systemUTC());

        // Sequentially: three through one instance, three through the other.
        SendVerifyEmailHandler first = handler(a);
        SendVerifyEmailHandler second = handler(b);
        for (int i = 0; i < 3; i++) {
            first.handle(request("erin@example.org"), context(i));
        }
        second.handle(request("erin@example.org"), context(3));
        second.handle(request("erin@example.org"), context(4));
        ActionException refused = assertThrows(ActionException.class, () -> second.handle(request("erin@example.org"), context(5)));
        assertTrue(refused.getMessage().startsWith("too many verification mails to this address"), refused.getMessage());
        assertEquals(5, mailsTo("erin@example.org"));

        // At once: 16 sends to a fresh address from both instances, released together.
        int senders = 16;
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<SendBudget.Verdict>> verdicts = new ArrayList<>();
            for (int i = 0; i < senders; i++) {
                SendBudget budget = i % 2 == 0 ? a : b;
                Callable<SendBudget.Verdict> spend = () -> {
                    go.await();
                    return budget.spend(SendVerifyEmailHandler.KEY, "frank@example.org");
                };
                verdicts.add(pool.submit(spend));
            }
            go.countDown();
            int allowed = 0;
            int over = 0;
            for (Future<SendBudget.Verdict> v : verdicts) {
                SendBudget.Verdict verdict = v.get();
                if (verdict instanceof SendBudget.Verdict.Allowed) {
                    allowed++;
                } else if (verdict instanceof SendBudget.Verdict.OverLimit) {
                    over++;
                }
            }
            System.out.println("concurrent sends: " + allowed + " allowed, " + over + " over the limit, "
                    + (senders - allowed - over) + " unavailable");
            assertEquals(5, allowed, "exactly the limit slips through, never more");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void whenJetStreamDoesNotAnswerTheMailIsRefusedNotSentUnlimited() throws Exception {
        BudgetCounts counts = new BudgetCounts();
        SendVerifyEmailHandler handler = handler(counts.counting(
                KvSendBudget.open(connect(), LIMITS, 1, CALL_TIMEOUT, Clock.systemUTC())));
        handler.handle(request("grace@example.org"), context(0));
        assertEquals(1, mailsTo("grace@example.org"));

        nats.stop();
        ActionException refused = assertThrows(ActionException.class, () -> handler.handle(request("grace@example.org"), context(1)));
        System.out.println("refused while the broker is down: " + refused.getMessage());
        assertEquals("the verification mail was not sent: its per-address limit cannot be checked now"
                + " (JetStream not answering); try again in a minute", refused.getMessage());
        assertEquals(1, mailsTo("grace@example.org"), "nothing sent without the limit");
        assertEquals(new BudgetCounts.Counts(1, 0, 1), counts.snapshot().get(SendVerifyEmailHandler.KEY));
    }

    @Test
    void anActionWithoutALimitIsNotCountedAndTheKeyHidesTheAddress() throws Exception {
        KvSendBudget budget = KvSendBudget.open(connect(), LIMITS, 1, CALL_TIMEOUT, Clock.systemUTC());
        for (int i = 0; i < 10; i++) {
            assertInstanceOf(SendBudget.Verdict.Allowed.class, budget.spend("someroute", "henry@example.org"));
        }
        budget.spend(SendVerifyEmailHandler.KEY, "henry@example.org");
        List<String> keys = connect().keyValue(KvSendBudget.BUCKET).keys();
        assertEquals(1, keys.size(), keys.toString());
        assertTrue(keys.get(0).startsWith("sendverifyemail.") && !keys.get(0).contains("henry"), keys.toString());
    }

    @Test
    void aRouteDropsOverItsBudgetWithOneLogLineNamingTheReqid() throws Exception {
        SendBudget budget = KvSendBudget.open(connect(), Map.of("welcome-route", new SendLimit(1, Duration.ofMinutes(5))), 1,
                CALL_TIMEOUT, Clock.systemUTC());
        java.util.logging.Logger log = java.util.logging.Logger.getLogger("kiamms.test.route");
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        try {
            assertTrue(budget.allowsOrLogs("welcome-route", "ivy@example.org", "r1", log));
            assertEquals(List.of(), lines);
            assertEquals(false, budget.allowsOrLogs("welcome-route", "ivy@example.org", "r2", log));
            System.out.println("route drop: " + lines);
            assertEquals(1, lines.size(), lines.toString());
            assertTrue(lines.get(0).startsWith("reqid=r2 welcome-route: mail dropped, the recipient had 1 mail in 5 minutes"), lines.get(0));
            assertTrue(!lines.get(0).contains("ivy"), "no address in the log: " + lines.get(0));
        } finally {
            log.removeHandler(capture);
        }
    }
}
