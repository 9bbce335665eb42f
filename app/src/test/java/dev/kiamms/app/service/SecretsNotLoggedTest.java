package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.users.AppRole;
import dev.kiamms.app.users.AppUser;
import dev.kiamms.app.users.AppUsers;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.mail.VerifyEmailRequest;
import dev.kiamms.protocol.Reply;
import dev.kiamms.testing.FreePorts;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With {@code debug: true}, after every password has been used (KrossIAM's and kiam-ms's own
 * broker users, an app user, an SMTP login) and one has been tried wrong, none of them appears in
 * any log file (kiam-ms's, nats-server.log, the JSON lines) or on the console, as typed or in the
 * base64 an SMTP AUTH carries.
 */
class SecretsNotLoggedTest {

    private static final Path TEMPLATES = Path.of(System.getProperty("kiamms.root"), "conf", "templates");
    private static final String SMTP_USER = "mailer";
    private static final String SMTP_PASSWORD = "Smtp-Pw-7f3a9c";

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void noPasswordIsInAnyLogOrOnTheConsoleWithDebugOn() throws Exception {
        GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        smtp.setUser("noreply@example.com", SMTP_USER, SMTP_PASSWORD);
        int port = FreePorts.next();
        Path config = dir.resolve("kiam-ms.yaml");
        Path data = dir.resolve("data");
        Path console = dir.resolve("console.log");
        try (ChildAppliance kiamMs = new ChildAppliance(config, data, console)) {
            Files.writeString(config, "debug: true\nhealth:\n  port: 0\nbroker:\n  port: " + port + "\n  monitor_port: "
                    + FreePorts.next() + "\nmail:\n  template_dir: " + TEMPLATES + "\n  mtas:\n    - name: authed\n"
                    + "      host: 127.0.0.1\n      port: " + smtp.getSmtp().getPort() + "\n      sender: noreply@example.com\n"
                    + "      user: " + SMTP_USER + "\n      passwd: " + SMTP_PASSWORD + "\n");
            InstancePaths paths = InstancePaths.of(config, data);
            AppUser app = new AppUsers(paths.appUsersFile()).add("reader", List.of(AppRole.parse("notice-reader")));
            kiamMs.start(Duration.ofSeconds(60));
            BrokerCredentials broker = BrokerCredentials.read(paths.credentialsFile());
            String kiamUrl = "nats://" + BrokerCredentials.KIAM + ":" + broker.password(BrokerCredentials.KIAM) + "@127.0.0.1:" + port;
            try (KrossIamClient kiam = KrossIamClient.connect(kiamUrl)) {
                Reply reply = kiam.request("sendverifyemail", new VerifyEmailRequest("Verify", "alice", "alice@example.com",
                        "https://iam.example.com/verify?token=abc", "en", "in 30 minutes"), Duration.ofSeconds(30)).reply();
                assertEquals(0, reply.code(), reply.message());
            }
            assertEquals(1, smtp.getReceivedMessages().length, "the mail went out with the SMTP login");
            try (Connection reader = Nats.connect("nats://reader:" + app.password() + "@127.0.0.1:" + port)) {
                reader.subscribe("kiam.console.notice.>");
                reader.flush(Duration.ofSeconds(5));
            }
            Options wrong = new Options.Builder().server("nats://reader:Wrong-Pw-51d2e8@127.0.0.1:" + port)
                    .maxReconnects(0).connectionTimeout(Duration.ofSeconds(3)).build();
            try (Connection refused = Nats.connect(wrong)) {
                throw new AssertionError("a wrong password was taken: " + refused.getStatus());
            } catch (java.io.IOException expected) {
                // refused, as it should be; the broker logs the attempt
            }
            kiamMs.stop();

            Map<String, String> secrets = new LinkedHashMap<>();
            for (String user : BrokerCredentials.OWN_USERS) {
                secrets.put("broker user " + user, broker.password(user));
            }
            secrets.put("app user reader", app.password());
            secrets.put("a wrong app password", "Wrong-Pw-51d2e8");
            secrets.put("SMTP passwd", SMTP_PASSWORD);
            Base64.Encoder b64 = Base64.getEncoder();
            secrets.put("SMTP passwd, base64", b64.encodeToString(SMTP_PASSWORD.getBytes(StandardCharsets.UTF_8)));
            secrets.put("SMTP AUTH PLAIN", b64.encodeToString(("\0" + SMTP_USER + "\0" + SMTP_PASSWORD).getBytes(StandardCharsets.UTF_8)));

            Path logs = paths.logDir(new dev.kiamms.app.config.ConfigLoader().load(config, true));
            List<Path> files = new ArrayList<>();
            try (Stream<Path> all = Files.walk(logs)) {
                all.filter(Files::isRegularFile).forEach(files::add);
            }
            files.add(console);
            assertTrue(files.stream().anyMatch(f -> f.getFileName().toString().equals("nats-server.log")), files.toString());
            String natsLog = Files.readString(logs.resolve("nats-server.log"));
            assertTrue(natsLog.contains("[DBG]"), "nats-server logs at debug level");
            assertTrue(natsLog.contains("reader"), "nats-server.log names the app user it saw");
            String kiamLog = Files.readString(console);
            assertTrue(kiamLog.contains(" DEBUG "),
                    "kiam-ms logs at debug level:\n" + kiamMs.consoleTail(3000));
            for (Path f : files) {
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                for (Map.Entry<String, String> s : secrets.entrySet()) {
                    assertFalse(text.contains(s.getValue()), "the " + s.getKey() + " is in " + f);
                }
            }
        } finally {
            smtp.stop();
        }
    }
}
