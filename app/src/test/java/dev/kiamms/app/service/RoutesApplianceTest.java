package dev.kiamms.app.service;

import dev.kiamms.app.KiamMs;
import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.registry.RouteRegistrations;
import dev.kiamms.bus.DeadLetters;
import dev.kiamms.bus.DurableEvents;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.channel.WebhookSignature;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.ProtocolVersion;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.testing.Await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Configured routes through the running appliance, against real loopback servers: a notice routed
 * to a signed webhook, an audit routed to mail (GreenMail) and an SMS gateway, a webhook that
 * answers 503 before 200, a payload without its recipient field, and {@code config check} and
 * {@code start} naming a bad route at its line.
 */
class RoutesApplianceTest {

    private static final Path TEMPLATES = Path.of(System.getProperty("kiamms.root"), "conf", "templates");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "webhook-secret-for-the-test-0123456789";
    private static final String GATEWAY_TOKEN = "gateway-token-abc";

    @TempDir
    Path dir;

    private GreenMail smtp;
    private HttpSink webhook;
    private HttpSink gateway;
    private Appliance appliance;
    private TestInstance instance;

    @BeforeEach
    void startServers() throws Exception {
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        webhook = new HttpSink();
        gateway = new HttpSink();
    }

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.stop();
        }
        smtp.stop();
        webhook.close();
        gateway.close();
    }

    /** The routes under test: a notice to the webhook, an audit to mail and SMS. */
    private String config() {
        return config("");
    }

    /** @param limits lines under {@code service.limits:}, or empty */
    private String config(String limits) {
        return "service:\n" + (limits.isEmpty() ? "" : "  limits:\n" + limits) + "  audits:\n    retry:\n      max_attempts: 5\n      first_pause_seconds: 1\n      max_pause_seconds: 1\n"
                + "mail:\n  template_dir: " + TEMPLATES + "\n  mtas:\n    - name: local\n      host: 127.0.0.1\n      port: "
                + smtp.getSmtp().getPort() + "\n      sender: noreply@example.com\n"
                + "channels:\n"
                + "  webhook:\n    url: " + webhook.url("/hooks/kiam?token=in-the-query") + "\n    secret: " + SECRET + "\n"
                + "  sms:\n    url: " + gateway.url("/send") + "\n    format: form\n    token: " + GATEWAY_TOKEN + "\n"
                + "    body:\n      to: \"{{phone}}\"\n      message: \"{{text}}\"\n"
                + "routes:\n"
                + "  userlogin:\n    kind: notice\n    channels: [webhook]\n"
                + "  accountaddphone:\n    kind: audit\n    channels: [email, sms]\n    template: account-add-email\n"
                + "    recipients:\n      email: [mailto]\n      sms: [phone]\n";
    }

    private void start() throws Exception {
        start(config());
    }

    private void start(String yaml) throws Exception {
        instance = new TestInstance(dir, yaml);
        appliance = instance.appliance();
        appliance.start();
        // A notice is kept only once the stream takes its subject: wait for the route's consumer.
        try (Connection mss = Nats.connect(instance.url(BrokerCredentials.MSS))) {
            Await.until(Duration.ofSeconds(30), () -> consumer(mss, RouteRegistrations.NOTICE_CONSUMER_PREFIX + "userlogin") != null,
                    () -> "the userlogin notice consumer");
        }
    }

    private static Map<String, Object> addPhone(boolean withPhone) {
        Map<String, Object> m = new java.util.LinkedHashMap<>(Map.of("mailto", List.of("jane@example.com"), "userid", "jane",
                "newemail", "+49 170 1234567", "httpurl", "https://iam.example.com/", "subject", "A phone was added"));
        if (withPhone) {
            m.put("phone", "+491701234567");
        }
        return m;
    }

    @Test
    void aNoticeReachesTheWebhookAndAnAuditReachesMailAndSmsEachOnce() throws Exception {
        start();
        String notice;
        String audit;
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            notice = publishConfirmed(kiam.connection(), Subjects.notice("userlogin"), Map.of("userid", "jane", "ip", "203.0.113.9"));
            audit = publishConfirmed(kiam.connection(), Subjects.audit("accountaddphone"), addPhone(true));
        }
        Await.until(Duration.ofSeconds(30), () -> webhook.accepted().size() == 1 && gateway.accepted().size() == 1
                && smtp.getReceivedMessages().length == 1, () -> "webhook " + webhook.requests().size() + ", sms "
                + gateway.requests().size() + ", mails " + smtp.getReceivedMessages().length);
        settled();
        assertEquals(1, webhook.requests().size(), "one webhook post");
        assertEquals(1, gateway.requests().size(), "one SMS");
        assertEquals(1, smtp.getReceivedMessages().length, "one mail");

        HttpSink.Request post = webhook.requests().get(0);
        long timestamp = Long.parseLong(post.header(WebhookSignature.TIMESTAMP_HEADER));
        assertTrue(new WebhookSignature(SECRET).verify(timestamp, post.body(), post.header(WebhookSignature.SIGNATURE_HEADER)),
                "HMAC-SHA256 over timestamp and body: " + post.header(WebhookSignature.SIGNATURE_HEADER));
        JsonNode event = JSON.readTree(post.body());
        assertEquals("userlogin", event.get("key").asText());
        assertEquals(notice, event.get("reqid").asText());
        assertEquals("203.0.113.9", event.get("payload").get("ip").asText());

        HttpSink.Request sms = gateway.requests().get(0);
        assertEquals("Bearer " + GATEWAY_TOKEN, sms.header("Authorization"));
        String form = URLDecoder.decode(sms.text(), StandardCharsets.UTF_8);
        assertTrue(form.startsWith("to=+491701234567&message=Hello jane"), form);
        assertTrue(form.contains("https://iam.example.com/account/identity"), form);
        assertEquals("jane@example.com", smtp.getReceivedMessages()[0].getAllRecipients()[0].toString());
        assertEquals(audit, smtp.getReceivedMessages()[0].getHeader("X-Kiam-Reqid")[0]);

        // The routed notice is still recorded, as every notice is.
        Path notices = instance.paths.logDir(instance.config()).resolve("notices.jsonl");
        Await.until(Duration.ofSeconds(10), () -> Files.exists(notices) && read(notices).contains(notice),
                () -> "the notice in " + notices);

        // The attempt log has the webhook's and the gateway's sends, masked, with host:port only.
        String[] out = new String[1];
        Await.until(Duration.ofSeconds(20), () -> (out[0] = kiamMs("deliveries", "--reqid", notice)).lines().count() == 1,
                () -> "the webhook attempt; deliveries said: " + out[0]);
        System.out.println("deliveries --reqid " + notice + ":\n" + out[0]);
        assertTrue(out[0].contains("userlogin") && out[0].contains("webhook") && out[0].contains("127.0.0.1:" + webhook.port())
                && out[0].contains("DELIVERED"), out[0]);
        assertFalse(out[0].contains("token=in-the-query"), "no URL query in the log: " + out[0]);
        Await.until(Duration.ofSeconds(20), () -> (out[0] = kiamMs("deliveries", "--reqid", audit)).lines().count() == 2,
                () -> "the mail and SMS attempts; deliveries said: " + out[0]);
        System.out.println("deliveries --reqid " + audit + ":\n" + out[0]);
        assertTrue(out[0].contains("sms") && out[0].contains("***67") && out[0].contains("127.0.0.1:" + gateway.port()), out[0]);
        assertFalse(out[0].contains("1701234567"), "no phone number in clear: " + out[0]);
        String byPhone = kiamMs("deliveries", "--to", "+491701234567");
        assertTrue(byPhone.contains(audit) && byPhone.contains("sms") && !byPhone.contains("email"), byPhone);
    }

    @Test
    void aWebhookAnswering503IsRetriedAndAPayloadWithoutItsRecipientIsDeadLettered() throws Exception {
        webhook.answering(503);
        start();
        String notice;
        String noPhone;
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            notice = publishConfirmed(kiam.connection(), Subjects.notice("userlogin"), Map.of("userid", "jane"));
            noPhone = publishConfirmed(kiam.connection(), Subjects.audit("accountaddphone"), addPhone(false));
        }
        Await.until(Duration.ofSeconds(30), () -> webhook.accepted().size() == 1, () -> "the retried post; posts " + webhook.requests());
        DeadLetters letters = new DeadLetters(instance.paths.deadLetterDir());
        Await.until(Duration.ofSeconds(30), () -> letters.count() == 1, () -> "the audit without a phone becomes a dead letter");
        settled();
        List<HttpSink.Request> posts = webhook.requests();
        System.out.println("webhook answered " + posts.stream().map(HttpSink.Request::status).toList());
        assertEquals(List.of(503, 200), posts.stream().map(HttpSink.Request::status).toList());
        assertTrue(posts.stream().allMatch(p -> p.text().contains(notice)), "the same event both times");

        DeadLetters.Letter letter = letters.list().get(0);
        System.out.println("dead letter: " + letter.reason());
        assertEquals(noPhone, letter.reqid());
        assertTrue(letter.reason().contains("sms: the payload has no recipient in field(s) [phone]"), letter.reason());
        // Its mail went out once; the SMS gateway was never asked.
        assertEquals(1, smtp.getReceivedMessages().length);
        assertEquals(0, gateway.requests().size());
    }

    @Test
    void aRouteLimitDropsTheRecipientOverBudgetWithALogLine() throws Exception {
        List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger routeLog = java.util.logging.Logger.getLogger("kiamms.route");
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                logged.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        routeLog.addHandler(capture);
        try {
            routeLimit(logged);
        } finally {
            routeLog.removeHandler(capture);
        }
    }

    private void routeLimit(List<String> logged) throws Exception {
        start(config("    accountaddphone:\n      max: 1\n      per_minutes: 10\n"));
        String first;
        String second;
        try (KrossIamClient kiam = KrossIamClient.connect(instance.url(BrokerCredentials.KIAM))) {
            first = publishConfirmed(kiam.connection(), Subjects.audit("accountaddphone"), addPhone(true));
            Await.until(Duration.ofSeconds(30), () -> smtp.getReceivedMessages().length == 1 && gateway.accepted().size() == 1,
                    () -> "the first audit's mail and SMS");
            second = publishConfirmed(kiam.connection(), Subjects.audit("accountaddphone"), addPhone(true));
        }
        settled();
        assertEquals(1, smtp.getReceivedMessages().length, "the second mail to jane is over the route's budget");
        assertEquals(1, gateway.requests().size(), "so is the second SMS to her phone");
        assertEquals(0, new DeadLetters(instance.paths.deadLetterDir()).count(), "a drop is not a failure");
        System.out.println("first " + first + ", second " + second);
        logged.stream().filter(l -> l.contains(second)).forEach(System.out::println);
        assertEquals(2, logged.stream().filter(l -> l.contains("reqid=" + second) && l.contains("accountaddphone: mail dropped")).count(),
                "a line per dropped recipient (mail and phone), naming the audit's reqid: " + logged);
    }

    @Test
    void aReloadSaysRouteChangesTakeARestartAndRefusesAMissingTemplate() throws Exception {
        start();
        Path file = instance.paths.configFile();
        String started = Files.readString(file);
        Files.writeString(file, started + "  passwordchanged:\n    kind: notice\n    channels: [webhook]\n");
        Appliance.ReloadResult added = appliance.reload();
        System.out.println("reload with a new route: " + added.message());
        assertTrue(added.applied(), added.message());
        assertTrue(added.message().contains("changes to routes, channels or service.limits take effect at the next start"),
                added.message());

        Files.writeString(file, started.replace("template: account-add-email", "template: account-add-phone"));
        Appliance.ReloadResult refused = appliance.reload();
        System.out.println("reload with a missing template: " + refused.message());
        assertFalse(refused.applied(), refused.message());
        assertTrue(refused.message().contains(file + ":") && refused.message().contains(
                "routes.accountaddphone.template: names template 'account-add-phone', which is not in the template folder"),
                refused.message());
    }

    @Test
    void configCheckAndStartNameABadRouteAtItsLine() throws Exception {
        Path config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, "mail:\n  template_dir: " + TEMPLATES + "\n"
                + "routes:\n"
                + "  userlogin:\n"
                + "    kind: notice\n"
                + "    channels: [email, sms]\n"
                + "    template: login-alrt\n"
                + "    recipients:\n      email: [mailto]\n");
        String out = kiamMs("config", "check", config.toString(), "--data", dir.resolve("data").toString());
        System.out.println(out);
        assertTrue(out.contains(config + ":6: routes.userlogin.channels: names channel 'sms', which is not configured"), out);
        assertTrue(out.contains(config + ":7: routes.userlogin.template: names template 'login-alrt'"), out);

        TestInstance bad = new TestInstance(dir, config, 0, 0);
        KiamMsException refused = assertThrows(KiamMsException.class, () -> bad.appliance().start());
        System.out.println("start: " + refused.getMessage());
        assertTrue(refused.getMessage().contains(config + ":6: routes.userlogin.channels: names channel 'sms'"), refused.getMessage());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** Both consumers have nothing pending and nothing waiting for an acknowledgement or a retry. */
    private void settled() throws Exception {
        try (Connection mss = Nats.connect(instance.url(BrokerCredentials.MSS))) {
            for (String name : List.of(DurableEvents.AUDIT_CONSUMER, RouteRegistrations.NOTICE_CONSUMER_PREFIX + "userlogin")) {
                Await.until(Duration.ofSeconds(30), () -> {
                    ConsumerInfo c = consumer(mss, name);
                    return c != null && c.getNumPending() == 0 && c.getNumAckPending() == 0;
                }, () -> name + " to settle");
            }
        }
    }

    private static ConsumerInfo consumer(Connection mss, String name) {
        try {
            return mss.jetStreamManagement().getConsumerInfo(DurableEvents.STREAM, name);
        } catch (Exception notYet) {
            return null;
        }
    }

    /** Publishes as KrossIAM does and waits for the stream's receipt, so the event is known to be kept. */
    private static String publishConfirmed(Connection nc, String subject, Object payload) throws Exception {
        String reqid = KrossIamClient.newReqid();
        byte[] body = new EnvelopeCodec().encodeEnvelope(ProtocolVersion.SERVER.toString(), MicroClock.system().nowMicros(), reqid, payload);
        Message receipt = nc.request(subject, body, Duration.ofSeconds(5));
        String r = receipt == null || receipt.getData() == null ? null : new String(receipt.getData(), StandardCharsets.UTF_8);
        assertTrue(r != null && r.contains("\"seq\""), subject + ": the stream did not confirm it: " + r);
        return reqid;
    }

    private String kiamMs(String... args) {
        String[] all = args;
        if (!args[0].equals("config")) {
            all = new String[args.length + 4];
            all[0] = args[0];
            all[1] = "--config";
            all[2] = instance.paths.configFile().toString();
            all[3] = "--data";
            all[4] = instance.paths.dataDir().toString();
            System.arraycopy(args, 1, all, 5, args.length - 1);
        }
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            KiamMs.run(all);
            return buffer.toString(StandardCharsets.UTF_8);
        } finally {
            System.setOut(saved);
        }
    }
}
