package dev.kiamms.app.config;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.route.Route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The routes: and channels: sections as an operator writes them, and the mistakes they are refused for. */
class RouteSettingsTest {

    private static final Set<String> TEMPLATES = Set.of("verify-email", "account-add-email", "login-alert");

    @TempDir
    Path dir;

    private Settings load(String yaml) throws IOException {
        Path f = dir.resolve("kiam-ms.yaml");
        Files.writeString(f, yaml);
        return new ConfigLoader().load(f, true).settings();
    }

    private String refused(String yaml) {
        String m = assertThrows(KiamMsException.class, () -> load(yaml)).getMessage();
        System.out.println("refused: " + m);
        assertFalse(m.contains("\n"), "one line: " + m);
        return m;
    }

    @Test
    void withoutRoutesTheBuiltInAccountAddEmailRouteApplies() throws IOException {
        Settings s = load("debug: false\n");
        List<Route> routes = s.routes().routes();
        assertEquals(1, routes.size());
        Route r = routes.get(0);
        assertEquals("kiam.console.audit.accountaddemail", r.subject());
        assertEquals(List.of("email"), r.channels());
        assertEquals(List.of("mailto"), r.recipientFields("email"));
        assertEquals("account-add-email", r.template());
        assertEquals(List.of(), new RouteCheck(s.routes(), s.channels()).problems(TEMPLATES));
    }

    @Test
    void configuredRoutesAndChannelsLoadAndHideTheirSecrets() throws IOException {
        Settings s = load("""
                channels:
                  webhook:
                    url: https://hooks.example.com/kiam
                    secret: wh-secret-123
                  sms:
                    url: https://api.example.com/2010-04-01/Accounts/AC1/Messages.json
                    format: form
                    user: AC1
                    password: sms-password-456
                    body:
                      To: "{{phone}}"
                      Body: "{{text}}"
                routes:
                  accountaddemail:
                    channels: [email, webhook]
                    template: account-add-email
                    recipients:
                      email: [mailto]
                  userlogin:
                    kind: notice
                    channels: [sms, webhook]
                    template: login-alert
                    recipients:
                      sms: [phone]
                """);
        List<Route> routes = s.routes().routes();
        assertEquals(2, routes.size(), "the configured accountaddemail replaces the built-in one");
        assertEquals("kiam.console.notice.userlogin", routes.get(1).subject());
        assertEquals(List.of("email", "webhook", "sms"), s.channels().names());
        assertEquals(List.of(), new RouteCheck(s.routes(), s.channels()).problems(TEMPLATES));
        String shown = s.toString();
        assertFalse(shown.contains("wh-secret-123") || shown.contains("sms-password-456"), shown);
        assertFalse(shown.contains("Accounts/AC1"), "URL paths may hold tokens: " + shown);
        assertTrue(shown.contains("https://api.example.com/"), shown);
    }

    @Test
    void crossReferenceMistakesAreNamedByRoute() throws IOException {
        Settings s = load("""
                routes:
                  userlogin:
                    kind: notice
                    channels: [sms, email]
                    template: login-alrt
                """);
        List<String> problems = new RouteCheck(s.routes(), s.channels()).problems(TEMPLATES);
        problems.forEach(p -> System.out.println("problem: " + p));
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("routes.userlogin.channels: names channel 'sms', which is not configured"), problems.get(0));
        assertTrue(problems.get(1).contains("does not say where the recipients are"), problems.get(1));
        assertTrue(problems.get(2).contains("template 'login-alrt', which is not in the template folder"), problems.get(2));
    }

    @Test
    void badChannelsAndRoutesAreRefusedAtLoad() {
        assertTrue(refused("channels:\n  webhook:\n    url: ftp://hooks.example.com/x\n    secret: s\n")
                .contains("channels.webhook.url: must be an http:// or https:// URL, not 'ftp://hooks.example.com/x'"));
        String noPhone = refused("channels:\n  sms:\n    url: https://sms.example.com/send\n    body:\n      text: \"{{text}}\"\n");
        assertTrue(noPhone.contains("channels.sms:") && noPhone.contains("{{phone}}"), noPhone);
        assertTrue(refused("routes:\n  userlogin:\n    kind: log\n    channels: [email]\n").contains("routes.userlogin: kind is 'log'"));
        assertTrue(refused("routes:\n  userlogin:\n    template: x\n").contains("routes.userlogin: route userlogin names no channel"));
    }
}
