package dev.kiamms.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** status names where things are even when nothing runs; the running case is covered by DistributionIT. */
class StatusOrientsTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out) {
    }

    private static Run run(String... args) {
        CommandRun r = CommandRun.of(args);
        return new Run(r.exit(), r.out());
    }

    @Test
    void aStoppedApplianceStillSaysWhereEverythingIs() throws Exception {
        Path config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, "broker:\n  port: 14222\nhealth:\n  port: 18223\nlog:\n  path: logs-here\n");
        Path data = dir.resolve("data");
        Run r = run("status", "--config", config.toString(), "--data", data.toString());
        assertEquals(3, r.exit(), r.out());
        assertTrue(r.out().contains("config       " + config), r.out());
        assertTrue(r.out().contains("data         " + data), r.out());
        assertTrue(r.out().contains("logs         " + dir.resolve("logs-here")), r.out());
        assertTrue(r.out().contains("nats://kiam:****@127.0.0.1:14222"), r.out());
        assertTrue(r.out().contains("http://127.0.0.1:18223/healthz") && r.out().contains("http://127.0.0.1:18223/metrics"), r.out());
        assertTrue(r.out().contains("mail         outbox " + data.resolve("outbox")), r.out());
    }

    @Test
    void theJsonNamesTheSameAndTheMtasWhenMailIsSent() throws Exception {
        Path config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, """
                health:
                  port: 0
                mail:
                  preferred_mta: backup
                  mtas:
                    - name: main
                      host: smtp.example.com
                      port: 587
                      sender: kiam@example.com
                      passwd: not-shown
                    - name: backup
                      host: smtp2.example.com
                      port: 465
                      sender: kiam@example.com
                """);
        JsonNode j = new ObjectMapper().readTree(run("status", "--json", "--config", config.toString(),
                "--data", dir.resolve("data").toString()).out());
        assertFalse(j.path("running").asBoolean());
        assertEquals(config.toString(), j.path("config").asText());
        assertTrue(j.path("health").isNull() && j.path("metrics").isNull(), j.toString());
        assertEquals("mtas", j.path("mail").path("mode").asText(), j.toString());
        assertEquals("main (smtp.example.com:587)", j.path("mail").path("mtas").get(0).asText(), j.toString());
        assertTrue(j.path("mail").path("outbox").isNull(), j.toString());
        assertEquals("nats://kiam:****@127.0.0.1:4222", j.path("brokerUrl").asText());
        assertFalse(j.toString().contains("not-shown"));
        String text = run("status", "--config", config.toString(), "--data", dir.resolve("data").toString()).out();
        assertTrue(text.contains("mail         MTAs main (smtp.example.com:587), backup (smtp2.example.com:465), preferred backup"), text);
        assertTrue(text.contains("health       off (health.port: 0)"), text);
    }

    @Test
    void sendTestTextsFollowTheLocaleWhereTemplatesHaveIt() {
        assertEquals("请验证您的电子邮件地址", SendTestTexts.forLocale("zh-CN", Set.of("zh-cn")).verifySubject());
        assertEquals("30 分钟", SendTestTexts.forLocale("zh_cn", Set.of("zh-cn")).expire());
        assertEquals("30 分钟", SendTestTexts.forLocale("zh-tw", Set.of("zh")).expire(), "the language's folder serves too");
        assertEquals(SendTestTexts.ENGLISH, SendTestTexts.forLocale("zh-cn", Set.of()), "no Chinese templates: English");
        assertEquals(SendTestTexts.ENGLISH, SendTestTexts.forLocale("fr-fr", Set.of("fr")), "no texts of ours in French");
        assertEquals(SendTestTexts.ENGLISH, SendTestTexts.forLocale(null, Set.of("zh-cn")));
    }
}
