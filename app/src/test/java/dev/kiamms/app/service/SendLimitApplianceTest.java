package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.limit.BudgetCounts;
import dev.kiamms.mail.SendVerifyEmailHandler;
import dev.kiamms.mail.VerifyEmailRequest;
import dev.kiamms.protocol.Reply;
import dev.kiamms.testing.Await;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The appliance as shipped, with its embedded broker: the per-address limit of sendverifyemail is
 * in force (its broker user may write the limits bucket), a configured limit is read from
 * {@code service.limits}, and what it decided shows in {@code /metrics} and the status counters.
 */
class SendLimitApplianceTest {

    private static final Path TEMPLATES = Path.of(System.getProperty("kiamms.root"), "conf", "templates");

    @TempDir
    Path dir;

    private GreenMail smtp;
    private Appliance appliance;

    @BeforeEach
    void startSmtp() {
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
    }

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.stop();
        }
        smtp.stop();
    }

    @Test
    void theThirdMailWithinTheConfiguredLimitIsRefusedAndCounted() throws Exception {
        TestInstance instance = new TestInstance(dir, "mail:\n  template_dir: " + TEMPLATES + "\n  mtas:\n    - name: local\n"
                + "      host: 127.0.0.1\n      port: " + smtp.getSmtp().getPort() + "\n      ssl: false\n"
                + "      sender: KrossIAM <noreply@example.com>\n"
                + "service:\n  limits:\n    send_verify_email: {max: 2, per_minutes: 30}\n");
        appliance = instance.appliance();
        appliance.start();

        List<Reply> replies = new ArrayList<>();
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            for (int i = 0; i < 3; i++) {
                replies.add(kiam.request(SendVerifyEmailHandler.KEY, new VerifyEmailRequest("Verify", "jane", "jane@example.com",
                        "https://iam.example.com/verify?token=" + i, "en", "soon"), Duration.ofSeconds(30)).reply());
            }
        }
        System.out.println("replies: " + replies);
        assertEquals(0, replies.get(0).code(), replies.get(0).toString());
        assertEquals(0, replies.get(1).code(), replies.get(1).toString());
        assertEquals(1, replies.get(2).code(), replies.get(2).toString());
        assertEquals("too many verification mails to this address; try again in 30 minutes", replies.get(2).message());
        assertTrue(smtp.waitForIncomingEmail(10_000, 2));
        assertEquals(2, smtp.getReceivedMessages().length, "two mailed, the third not");

        int port = instance.config().settings().health().port();
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("kiamms_send_limit_total{action=\"sendverifyemail\",outcome=\"allowed\"} 2"), metrics);
        assertTrue(metrics.contains("kiamms_send_limit_total{action=\"sendverifyemail\",outcome=\"over_limit\"} 1"), metrics);
        assertTrue(metrics.contains("kiamms_send_limit_total{action=\"sendverifyemail\",outcome=\"unavailable\"} 0"), metrics);

        // What 'kiam-ms status' reads: the counters the appliance writes every 2 s.
        Await.until(Duration.ofSeconds(20), () -> RunStats.read(instance.paths.statsFile())
                        .map(s -> s.sendLimits() != null && new BudgetCounts.Counts(2, 1, 0).equals(s.sendLimits().get(SendVerifyEmailHandler.KEY)))
                        .orElse(false),
                () -> "stats file with the send-limit counts: " + RunStats.read(instance.paths.statsFile()));
    }
}
