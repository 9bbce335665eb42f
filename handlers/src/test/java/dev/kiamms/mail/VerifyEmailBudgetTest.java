package dev.kiamms.mail;

import dev.kiamms.mail.delivery.MailDelivery;
import dev.kiamms.mail.delivery.MtaConfig;
import dev.kiamms.mail.delivery.ScriptedSmtpServer;
import dev.kiamms.mail.delivery.SmtpTimeouts;
import dev.kiamms.mail.template.MailTemplates;
import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.MessageContext;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MTAs whose time-outs add up past what KrossIAM waits (60 s): sendverifyemail answers within its
 * budget with a clear, final failure instead of after every MTA has timed out, to nobody.
 */
@Timeout(60)
class VerifyEmailBudgetTest {

    private static final Path SHIPPED = Path.of(System.getProperty("kiamms.root", "../"), "conf", "templates");

    @Test
    void theBudgetIsWithinWhatKrossIamWaits() {
        assertTrue(SendVerifyEmailHandler.BUDGET.compareTo(Duration.ofSeconds(55)) <= 0, SendVerifyEmailHandler.BUDGET.toString());
    }

    @Test
    void threeStallingMtasAreAnsweredWithinTheBudgetAndNotRetried() throws Exception {
        List<ScriptedSmtpServer> servers = new ArrayList<>();
        try {
            List<MtaConfig> mtas = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ScriptedSmtpServer s = new ScriptedSmtpServer();
                s.greeting = ScriptedSmtpServer.STALL; // each attempt lasts the whole 10 s read time-out
                servers.add(s);
                mtas.add(new MtaConfig("mta" + i, "127.0.0.1", s.port(), false, "KrossIAM <sender@kiam.test>", "",
                        List.of(), List.of(), "", ""));
            }
            MailTemplates templates = MailTemplates.load(SHIPPED);
            MailComposer composer = new MailComposer(() -> templates, "");
            try (MailDelivery delivery = new MailDelivery(mtas, "",
                    new SmtpTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(10)), null)) {
                // Scaled down: a 2 s budget against 3 × 10 s, as 50 s against KrossIAM's 60 s.
                SendVerifyEmailHandler handler = new SendVerifyEmailHandler(() -> composer, () -> delivery, Duration.ofSeconds(2));
                long t0 = System.nanoTime();
                ActionException e = assertThrows(ActionException.class, () -> handler.handle(new VerifyEmailRequest(
                        "Verify your email", "alice", "alice@example.org", "https://iam.example.com/verify?token=t", "en", "soon"),
                        new MessageContext("kiam.console.action.sendverifyemail", "0123456789abcdef0123456789abcdef", 0)));
                Duration took = Duration.ofNanos(System.nanoTime() - t0);

                assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "answered in " + took + ", not after 30 s of time-outs");
                assertTrue(e.getMessage().startsWith("no mail server took the verification mail within 2 s"), e.getMessage());
                assertFalse(e.retryable(), "it may still go out: never sent again for this reqid");
                assertEquals(1, servers.get(0).sessions(), "answered while the first MTA still stalls");
                // That no MTA is started once the deadline has passed is pinned, without waiting, by
                // MailDeliveryScriptedTest.onceTheDeadlineHasPassedNoFurtherMtaIsTried.
            }
        } finally {
            for (ScriptedSmtpServer s : servers) {
                s.close();
            }
        }
    }
}
