package dev.kiamms.app.service;

import dev.kiamms.app.KiamMs;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.bus.AttemptStream;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.mail.VerifyEmailRequest;
import dev.kiamms.protocol.Reply;
import dev.kiamms.testing.Await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.StreamConfiguration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attempt log end to end: KrossIAM asks for a verify mail, kiam-ms fails over from a dead MTA
 * to a working one (GreenMail), and {@code kiam-ms deliveries} read from the broker's stream names
 * both attempts, by reqid and by address, with the address masked; {@code status --json} shows
 * the dead MTA's breaker.
 */
class DeliveriesCommandTest {

    private static final Path TEMPLATES = Path.of(System.getProperty("kiamms.root"), "conf", "templates");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private GreenMail smtp;
    private Appliance appliance;
    private TestInstance instance;

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.stop();
        }
        if (smtp != null) {
            smtp.stop();
        }
    }

    private record Run(int exit, String out) {
    }

    private Run kiamMs(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = args[0];
        all[1] = "--config";
        all[2] = instance.paths.configFile().toString();
        all[3] = "--data";
        all[4] = instance.paths.dataDir().toString();
        System.arraycopy(args, 1, all, 5, args.length - 1);
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            return new Run(KiamMs.run(all), buffer.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(saved);
        }
    }

    @Test
    void aFailedOverVerifyMailShowsBothAttemptsByReqidAndByAddress() throws Exception {
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort(); // released: connecting there is refused
        }
        instance = new TestInstance(dir, "mail:\n  template_dir: " + TEMPLATES + "\n"
                + "  circuit_breaker:\n    failures: 2\n    cool_down_seconds: 600\n"
                + "  attempts:\n    keep_days: 7\n    max_mb: 16\n  mtas:\n"
                + "    - name: dead\n      host: 127.0.0.1\n      port: " + deadPort + "\n      sender: noreply@example.com\n"
                + "    - name: backup\n      host: 127.0.0.1\n      port: " + smtp.getSmtp().getPort() + "\n      sender: noreply@example.com\n");
        appliance = instance.appliance();
        appliance.start();
        // Attempts are recorded once the stream is open (with JetStream, shortly after start).
        try (Connection mss = Nats.connect(instance.url(BrokerCredentials.MSS))) {
            StreamConfiguration[] made = new StreamConfiguration[1];
            Await.until(Duration.ofSeconds(30), () -> {
                try {
                    made[0] = mss.jetStreamManagement().getStreamInfo(AttemptStream.STREAM).getConfiguration();
                    return true;
                } catch (Exception notYet) {
                    return false;
                }
            }, () -> "the stream " + AttemptStream.STREAM + " to exist");
            assertEquals(Duration.ofDays(7), made[0].getMaxAge(), "mail.attempts.keep_days");
            assertEquals(16L * 1024 * 1024, made[0].getMaxBytes(), "mail.attempts.max_mb");
        }

        String reqid;
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            KrossIamClient.Exchange x = kiam.request("sendverifyemail", new VerifyEmailRequest("Verify", "jane",
                    "Jane <Jane.Doe@Example.com>", "https://iam.example.com/verify?t=1", "en", "in 30 minutes"), Duration.ofSeconds(30));
            Reply reply = x.reply();
            assertEquals(0, reply.code(), reply.message());
            reqid = x.reqid();
        }
        assertTrue(smtp.waitForIncomingEmail(10_000, 1));

        String id = reqid;
        Run[] byReqid = new Run[1];
        Await.until(Duration.ofSeconds(20), () -> {
            byReqid[0] = kiamMs("deliveries", "--reqid", id);
            return byReqid[0].out().lines().count() == 2;
        }, () -> "two attempts for " + id + "; deliveries said: " + byReqid[0].out());
        System.out.println("deliveries --reqid " + reqid + ":\n" + byReqid[0].out());
        assertEquals(0, byReqid[0].exit());
        List<String> lines = byReqid[0].out().lines().toList();
        assertTrue(lines.get(0).contains(reqid) && lines.get(0).contains("dead (127.0.0.1:" + deadPort + ")")
                && lines.get(0).contains("NOT_DELIVERED") && lines.get(0).contains("connection refused"), lines.get(0));
        assertTrue(lines.get(1).contains("backup (127.0.0.1:" + smtp.getSmtp().getPort() + ")")
                && lines.get(1).contains("DELIVERED") && lines.get(1).contains("sendverifyemail  email  J***@example.com"), lines.get(1));
        assertFalse(byReqid[0].out().toLowerCase().contains("jane.doe@"), "no address in clear");

        Run byAddress = kiamMs("deliveries", "--to", "jane.doe@example.COM", "--since", "1h", "--json");
        assertEquals(0, byAddress.exit(), byAddress.out());
        JsonNode rows = JSON.readTree(byAddress.out());
        assertEquals(2, rows.size(), byAddress.out());
        assertEquals("dead", rows.get(0).get("mta").asText());
        assertEquals("backup", rows.get(1).get("mta").asText());
        assertEquals("DELIVERED", rows.get(1).get("outcome").asText());
        assertEquals(reqid, rows.get(1).get("reqid").asText());
        assertEquals("J***@example.com", rows.get(1).get("to").get(0).asText());

        Run newest = kiamMs("deliveries", "--to", "jane.doe@example.com", "--limit", "1");
        assertEquals(1, newest.out().lines().count(), newest.out());
        assertTrue(newest.out().contains("backup"), newest.out());

        Run nobody = kiamMs("deliveries", "--to", "someone.else@example.com");
        assertEquals(0, nobody.exit());
        assertTrue(nobody.out().startsWith("no delivery attempts recorded to s***@example.com"), nobody.out());

        Run badSince = kiamMs("deliveries", "--since", "yesterday");
        assertEquals(2, badSince.exit(), badSince.out());

        // status shows each MTA's breaker: the dead one failed once, still closed (2 are needed).
        JsonNode[] mtas = new JsonNode[1];
        Await.until(Duration.ofSeconds(20), () -> {
            try {
                mtas[0] = JSON.readTree(kiamMs("status", "--json").out()).get("mtas");
                return mtas[0] != null && mtas[0].size() == 2 && mtas[0].get(0).get("consecutiveFailures").asInt() == 1;
            } catch (Exception e) {
                return false;
            }
        }, () -> "status to show the dead MTA's failure: " + mtas[0]);
        assertEquals("dead", mtas[0].get(0).get("mta").asText());
        assertEquals("closed", mtas[0].get(0).get("state").asText());
        assertEquals("backup", mtas[0].get(1).get("mta").asText());
        assertEquals(0, mtas[0].get(1).get("consecutiveFailures").asInt());
        assertTrue(kiamMs("status").out().contains("dead: closed, 1 failure(s) in a row"));

        // A second failure opens the dead MTA's breaker (failures: 2): the next mail skips it,
        // and the attempt log says so.
        String second = verifyMail();
        String third = verifyMail();
        Run skipped = kiamMs("deliveries", "--reqid", third);
        System.out.println("deliveries --reqid " + third + " (after " + second + "):\n" + skipped.out());
        List<String> skip = skipped.out().lines().toList();
        assertEquals(2, skip.size(), skipped.out());
        assertTrue(skip.get(0).contains("j***@example.com  dead (") && skip.get(0).contains("SKIPPED"), skip.get(0));
        assertTrue(skip.get(1).contains("backup (") && skip.get(1).contains("DELIVERED"), skip.get(1));
    }

    /** Asks for a verify mail, waits until both its attempt records are readable, and returns its reqid. */
    private String verifyMail() throws Exception {
        String reqid;
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            KrossIamClient.Exchange x = kiam.request("sendverifyemail", new VerifyEmailRequest("Verify", "jane",
                    "jane@example.com", "https://iam.example.com/verify?t=2", "en", "in 30 minutes"), Duration.ofSeconds(30));
            assertEquals(0, x.reply().code(), x.reply().message());
            reqid = x.reqid();
        }
        Await.until(Duration.ofSeconds(20), () -> kiamMs("deliveries", "--reqid", reqid).out().lines().count() == 2,
                () -> "two records for " + reqid);
        return reqid;
    }
}
