package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiam-ms preview} and the template check it lends to {@code config check}. */
class PreviewCommandTest {

    private static final Path SHIPPED = Path.of(System.getProperty("kiamms.root"), "conf", "templates");

    @TempDir
    Path dir;

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    /** A copy of the shipped templates to spoil. */
    private Path copyOfShipped() throws IOException {
        Path templates = dir.resolve("templates");
        try (Stream<Path> files = Files.walk(SHIPPED)) {
            for (Path f : files.toList()) {
                Path target = templates.resolve(SHIPPED.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return templates;
    }

    @Test
    void everyShippedTemplateRendersInEveryShippedLocale() {
        for (String template : List.of("verify-email", "account-add-email")) {
            for (String locale : List.of("", "en-us", "zh-cn")) {
                CommandRun r = run("preview", template, "--locale", locale, "--templates", SHIPPED.toString());
                assertEquals(0, r.exit(), template + " " + locale + ": " + r.err());
                assertTrue(r.out().startsWith("Subject: ") && r.out().contains("----- body.html -----")
                        && r.out().contains("----- body.txt -----"), r.out());
                assertTrue(r.out().contains(template.equals("verify-email") ? "https://iam.example.com/verify?token=sample-token"
                        : "https://iam.example.com/account/identity"), r.out());
                boolean chinese = r.out().codePoints().anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN);
                assertEquals(locale.equals("zh-cn"), chinese, template + " " + locale);
            }
        }
    }

    @Test
    void aVariableTheDataLacksFailsThePreviewAndConfigCheckNamingIt() throws Exception {
        Path templates = copyOfShipped();
        Files.writeString(templates.resolve("zh-cn").resolve("verify-email.txt"), "\n{{nosuchvar}}\n", StandardOpenOption.APPEND);

        CommandRun r = run("preview", "verify-email", "--locale", "zh-cn", "--templates", templates.toString());
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("mail template verify-email for locale 'zh-cn' uses {{nosuchvar}} (.txt)"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertEquals(0, run("preview", "verify-email", "--templates", templates.toString()).exit(), "the default is not spoilt");

        Path config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, "mail:\n  template_dir: " + templates + "\n");
        CommandRun check = run("config", "check", config.toString(), "--data", dir.resolve("data").toString());
        assertEquals(2, check.exit(), check.out());
        assertTrue(check.out().contains("verify-email for locale 'zh-cn' uses {{nosuchvar}} (.txt)"), check.out());
        assertFalse(check.out().contains("for locale ''"), "the default templates are fine: " + check.out());
    }

    @Test
    void outWritesSubjectHtmlAndText() throws Exception {
        Path out = dir.resolve("preview");
        CommandRun r = run("preview", "account-add-email", "--templates", SHIPPED.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("An email address was added to your account\n", Files.readString(out.resolve("subject.txt")));
        assertTrue(Files.readString(out.resolve("body.html")).contains("alice.work@example.com"));
        assertTrue(Files.readString(out.resolve("body.html")).contains("cid:logo"));
        assertTrue(Files.readString(out.resolve("body.txt")).contains("alice.work@example.com"));
    }

    @Test
    void aVarsFileReplacesTheSamplesAndMustHaveEveryValue() throws Exception {
        Path full = dir.resolve("full.yaml");
        Files.writeString(full, "subject: Bitte bestätigen\nuserid: bob\nto: bob@example.de\nhref: https://iam.example.de/v?t=1\nexpire: morgen\n");
        CommandRun ok = run("preview", "verify-email", "--templates", SHIPPED.toString(), "--vars", full.toString());
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().startsWith("Subject: Bitte bestätigen") && ok.out().contains("https://iam.example.de/v?t=1"), ok.out());

        Path partial = dir.resolve("partial.json");
        Files.writeString(partial, "{\"subject\": \"Hi\", \"userid\": \"bob\", \"to\": \"bob@example.de\", \"expire\": \"soon\"}");
        CommandRun missing = run("preview", "verify-email", "--templates", SHIPPED.toString(), "--vars", partial.toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("{{href}}"), missing.err());

        CommandRun unknown = run("preview", "no-such-template", "--templates", SHIPPED.toString());
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("no mail template named 'no-such-template'"), unknown.err());
    }
}
