package dev.kiamms.mail.template;

import dev.kiamms.mail.MailContent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MailTemplatesTest {

    /** The shipped templates, as operators get them. */
    static final Path SHIPPED = Path.of(System.getProperty("kiamms.root", "../"), "conf", "templates");

    static MailTemplates shipped;

    @BeforeAll
    static void loadShipped() throws IOException {
        shipped = MailTemplates.load(SHIPPED);
    }

    static Map<String, Object> verifyData() {
        Map<String, Object> d = new HashMap<>();
        d.put("subject", "Verify your email");
        d.put("userid", "alice");
        d.put("to", "Alice <alice@example.com>");
        d.put("href", "https://iam.example.com/verify?token=t0k3n");
        d.put("expire", "in 30 minutes");
        d.put("logo_cid", MailTemplates.LOGO_CID);
        return d;
    }

    static Map<String, Object> accountAddData() {
        Map<String, Object> d = new HashMap<>();
        d.put("subject", "An email address was added");
        d.put("userid", "bob");
        d.put("newemail", "bob.new@example.org");
        d.put("httpurl", "https://iam.example.com");
        d.put("identity_url", "https://iam.example.com/account/identity");
        d.put("logo_cid", MailTemplates.LOGO_CID);
        return d;
    }

    /** Copies the shipped templates into {@code to}, so that a test may change them. */
    static Path copyShipped(Path to) throws IOException {
        try (Stream<Path> files = Files.walk(SHIPPED)) {
            files.forEach(src -> {
                Path dst = to.resolve(SHIPPED.relativize(src).toString());
                try {
                    if (Files.isDirectory(src)) {
                        Files.createDirectories(dst);
                    } else {
                        Files.copy(src, dst);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return to;
    }

    static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    /** A minimal template folder: defaults whose content names the variant, and a logo. */
    static Path minimalDir(Path dir) throws IOException {
        for (String name : MailTemplates.REQUIRED) {
            write(dir.resolve(name + ".html"), "<p>default html {{userid}}</p>");
            write(dir.resolve(name + ".txt"), "default text {{userid}}");
        }
        Files.copy(SHIPPED.resolve("logo.png"), dir.resolve("logo.png"));
        return dir;
    }

    // --- the shipped templates -------------------------------------------------------------

    @Test
    void shippedFolderHasDefaultsZhCnAndALogo() {
        assertEquals(Set.of("zh-cn"), shipped.locales());
        assertTrue(shipped.names().containsAll(MailTemplates.REQUIRED));
        assertEquals(SHIPPED.toAbsolutePath().normalize(), shipped.dir());
        byte[] logo = shipped.logo();
        assertEquals("image/png", shipped.logoContentType());
        assertTrue(logo.length > 100 && logo.length < 5 * 1024, "logo size " + logo.length);
        assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(logo, 4));
        logo[0] = 0;
        assertEquals((byte) 0x89, shipped.logo()[0], "logo() must return a copy");
    }

    @Test
    void verifyEmailInEnglish() {
        MailContent m = shipped.render("verify-email", "en-us", verifyData());
        String html = m.html();
        assertTrue(html.contains("<title>Verify your email</title>"), html);
        assertTrue(html.contains("src=\"cid:logo\""), html);
        assertTrue(html.contains("Hello alice,"), html);
        assertTrue(html.contains("Alice &lt;alice@example.com&gt;"), html);
        assertTrue(html.contains("in 30 minutes"), html);
        assertTrue(html.contains("Verify email address"), html);
        // a button and a plain link to href
        String href = "https://iam.example.com/verify?token=t0k3n";
        assertEquals(2, count(html, "href=\"" + href + "\""), html);
        assertTrue(html.contains(">" + href + "</a>"), html);
        assertFalse(html.contains("{{"), "no tag left unrendered");
        assertFalse(html.contains("Variables"), "the template's comment must not reach the mail");
        assertFalse(html.startsWith("\n"), "the comment leaves no blank line before the doctype");
        assertTrue(html.startsWith("<!DOCTYPE html>"), html);

        String text = m.text();
        assertTrue(text.startsWith("Hello alice,"), text);
        assertTrue(text.contains("Alice <alice@example.com>"), text);
        assertTrue(text.contains("https://iam.example.com/verify?token=t0k3n"), text);
        assertTrue(text.contains("in 30 minutes"), text);
        assertFalse(text.contains("<"  + "p"), "no HTML in the text part");
    }

    @Test
    void verifyEmailInChinese() {
        MailContent m = shipped.render("verify-email", "zh-cn", verifyData());
        assertTrue(m.html().contains("<html lang=\"zh-CN\">"), m.html());
        assertTrue(m.html().contains("您好，alice："), m.html());
        assertTrue(m.html().contains("验证电子邮件地址"), m.html());
        assertTrue(m.html().contains("链接有效期：<strong>in 30 minutes</strong>"), m.html());
        assertTrue(m.html().contains("src=\"cid:logo\""), m.html());
        assertTrue(m.html().contains("<title>Verify your email</title>"), m.html());
        assertTrue(m.text().startsWith("您好，alice："), m.text());
        assertTrue(m.text().contains("https://iam.example.com/verify?token=t0k3n"), m.text());
        assertTrue(m.text().contains("Alice <alice@example.com>"), m.text());
    }

    @Test
    void accountAddEmailInEnglish() {
        MailContent m = shipped.render("account-add-email", "en", accountAddData());
        String html = m.html();
        assertTrue(html.contains("<title>An email address was added</title>"), html);
        assertTrue(html.contains("src=\"cid:logo\""), html);
        assertTrue(html.contains("Hello bob,"), html);
        assertTrue(html.contains("<strong>bob.new@example.org</strong>"), html);
        assertTrue(html.contains("If this was not you, review your account"), html);
        assertEquals(2, count(html, "href=\"https://iam.example.com/account/identity\""), html);
        String text = m.text();
        assertTrue(text.startsWith("Hello bob,"), text);
        assertTrue(text.contains("bob.new@example.org"), text);
        assertTrue(text.contains("If this was not you, review your account"), text);
        assertTrue(text.contains("\nhttps://iam.example.com/account/identity\n"), text);
    }

    @Test
    void accountAddEmailInChinese() {
        MailContent m = shipped.render("account-add-email", "zh-CN", accountAddData());
        assertTrue(m.html().contains("电子邮件地址 <strong>bob.new@example.org</strong> 已添加到您的账户。"), m.html());
        assertTrue(m.html().contains("如果这不是您本人的操作"), m.html());
        assertTrue(m.html().contains("检查我的账户"), m.html());
        assertTrue(m.html().contains("href=\"https://iam.example.com/account/identity\""), m.html());
        assertTrue(m.text().contains("电子邮件地址 bob.new@example.org 已添加到您的账户。"), m.text());
        assertTrue(m.text().contains("https://iam.example.com/account/identity"), m.text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"zh-cn", "zh-CN", "zh_CN", "ZH-cn", " zh_cn "})
    void zhCnIsFoundWhateverTheCaseAndSeparator(String locale) {
        assertTrue(shipped.render("verify-email", locale, verifyData()).html().contains("验证电子邮件地址"));
        assertTrue(shipped.render("verify-email", locale, verifyData()).text().contains("您好"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fr", "fr-FR", "en", "en-us", "zh-tw", "", "-"})
    void otherLocalesFallBackToTheDefault(String locale) {
        MailContent m = shipped.render("verify-email", locale, verifyData());
        assertTrue(m.html().contains("Hello alice,"), m.html());
        assertTrue(m.text().contains("Hello alice,"), m.text());
    }

    @Test
    void nullLocaleAndNullDataRenderTheDefault() {
        MailContent m = shipped.render("verify-email", null, null);
        assertTrue(m.html().contains("Hello ,"), m.html());
        assertTrue(m.html().contains("src=\"cid:logo\""), "logo_cid defaults to " + MailTemplates.LOGO_CID);
    }

    @Test
    void unknownTemplateNameIsAnIllegalArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> shipped.render("no-such-mail", "en", verifyData()));
        assertTrue(e.getMessage().contains("no-such-mail"), e.getMessage());
    }

    // --- escaping --------------------------------------------------------------------------

    @Test
    void valuesAreHtmlEscapedInHtmlAndVerbatimInText() {
        Map<String, Object> d = verifyData();
        d.put("userid", "<script>alert(1)</script>");
        d.put("href", "https://iam.example.com/verify?a=1&b=\"2'");
        for (String locale : List.of("en", "zh-cn")) {
            MailContent m = shipped.render("verify-email", locale, d);
            assertFalse(m.html().contains("<script>"), m.html());
            assertTrue(m.html().contains("&lt;script&gt;alert(1)&lt;/script&gt;"), m.html());
            assertTrue(m.html().contains("href=\"https://iam.example.com/verify?a=1&amp;b=&quot;2&#39;\""),
                    m.html());
            assertFalse(m.html().contains("a=1&b"), m.html());
            assertTrue(m.text().contains("<script>alert(1)</script>"), m.text());
            assertTrue(m.text().contains("https://iam.example.com/verify?a=1&b=\"2'"), m.text());
        }
    }

    @Test
    void everyHtmlValueIsEscapedEvenInAnOperatorsTemplate() {
        Map<String, Object> d = accountAddData();
        d.put("newemail", "\"><img src=x onerror=alert(1)>@example.org");
        String html = shipped.render("account-add-email", "en", d).html();
        assertFalse(html.contains("<img src=x"), html);
        assertTrue(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;@example.org"), html);
    }

    @Test
    void nonStringValuesAreRenderedWithToString() {
        Map<String, Object> d = verifyData();
        d.put("expire", 30);
        assertTrue(shipped.render("verify-email", "en", d).text().contains("The link expires: 30"));
    }

    @Test
    void aMissingOrNullVariableRendersEmpty() {
        Map<String, Object> d = verifyData();
        d.remove("expire");
        d.put("userid", null);
        MailContent m = shipped.render("verify-email", "en", d);
        assertTrue(m.text().contains("Hello ,"), m.text());
        assertTrue(m.text().contains("The link expires: \n"), m.text());
    }

    // --- lookup in an operator's folder ----------------------------------------------------

    @Test
    void zhTwFindsTheLanguageFolderWhenThereIsOneElseTheDefault(@TempDir Path tmp) throws IOException {
        Path withZh = minimalDir(tmp.resolve("with-zh"));
        write(withZh.resolve("zh/verify-email.html"), "<p>zh html</p>");
        write(withZh.resolve("zh/verify-email.txt"), "zh text");
        write(withZh.resolve("zh-cn/verify-email.html"), "<p>zh-cn html</p>");
        MailTemplates t = MailTemplates.load(withZh);
        assertEquals(Set.of("zh", "zh-cn"), t.locales());
        assertEquals(new MailContent("<p>zh html</p>", "zh text"), t.render("verify-email", "zh-tw", Map.of()));
        assertEquals(new MailContent("<p>zh html</p>", "zh text"), t.render("verify-email", "zh_TW", Map.of()));
        assertEquals(new MailContent("<p>zh html</p>", "zh text"), t.render("verify-email", "zh", Map.of()));
        assertEquals(new MailContent("<p>zh html</p>", "zh text"), t.render("verify-email", "zh-hant-tw", Map.of()));
        // zh-cn has only the .html: its .txt comes from zh/, the next step for that file
        assertEquals(new MailContent("<p>zh-cn html</p>", "zh text"), t.render("verify-email", "zh-CN", Map.of()));
        // a template that no locale folder translates
        assertEquals(new MailContent("<p>default html x</p>", "default text x"),
                t.render("account-add-email", "zh-tw", Map.of("userid", "x")));

        Path withoutZh = minimalDir(tmp.resolve("without-zh"));
        write(withoutZh.resolve("zh-cn/verify-email.html"), "<p>zh-cn html</p>");
        MailTemplates u = MailTemplates.load(withoutZh);
        assertEquals(new MailContent("<p>default html x</p>", "default text x"),
                u.render("verify-email", "zh-tw", Map.of("userid", "x")));
    }

    @Test
    void aLocaleVariantWithOnlyTheHtmlUsesTheDefaultText(@TempDir Path tmp) throws IOException {
        Path dir = minimalDir(tmp);
        write(dir.resolve("de/verify-email.html"), "<p>Hallo {{userid}}</p>");
        write(dir.resolve("fr/verify-email.txt"), "Bonjour {{userid}}");
        MailTemplates t = MailTemplates.load(dir);
        assertEquals(new MailContent("<p>Hallo x</p>", "default text x"),
                t.render("verify-email", "de-DE", Map.of("userid", "x")));
        assertEquals(new MailContent("<p>default html x</p>", "Bonjour x"),
                t.render("verify-email", "fr", Map.of("userid", "x")));
    }

    @Test
    void localeFolderNamesAreMatchedCaseInsensitively(@TempDir Path tmp) throws IOException {
        Path dir = minimalDir(tmp);
        write(dir.resolve("PT_BR/verify-email.txt"), "Olá {{userid}}");
        MailTemplates t = MailTemplates.load(dir);
        assertEquals(Set.of("pt-br"), t.locales());
        assertEquals("Olá x", t.render("verify-email", "pt-br", Map.of("userid", "x")).text());
        assertEquals("Olá x", t.render("verify-email", "pt-BR", Map.of("userid", "x")).text());
    }

    @Test
    void hiddenFilesOtherFilesAndEmptyFoldersAreIgnored(@TempDir Path tmp) throws IOException {
        Path dir = minimalDir(tmp);
        write(dir.resolve(".verify-email.html"), "{{#broken}}");
        write(dir.resolve("verify-email.html~"), "{{#broken}}");
        write(dir.resolve("notes.md"), "{{#broken}}");
        write(dir.resolve(".git/verify-email.html"), "{{#broken}}");
        Files.createDirectories(dir.resolve("empty"));
        MailTemplates t = MailTemplates.load(dir);
        assertEquals(Set.of(), t.locales());
        assertEquals("default text x", t.render("verify-email", "en", Map.of("userid", "x")).text());
    }

    @Test
    void anOperatorsChangedTemplateAndLogoAreUsed(@TempDir Path tmp) throws IOException {
        Path dir = copyShipped(tmp);
        Path html = dir.resolve("verify-email.html");
        Files.writeString(html, Files.readString(html).replace("Hello {{userid}},", "Welcome back, {{userid}}!"));
        Path zhText = dir.resolve("zh-cn/verify-email.txt");
        Files.writeString(zhText, Files.readString(zhText) + "\n客服电话：400-000-0000\n");
        byte[] logo = Files.readAllBytes(dir.resolve("logo.png"));
        byte[] otherLogo = Arrays.copyOf(logo, logo.length + 3); // trailing bytes: still a PNG signature
        Files.write(dir.resolve("logo.png"), otherLogo);

        MailTemplates t = MailTemplates.load(dir);
        assertTrue(t.render("verify-email", "en", verifyData()).html().contains("Welcome back, alice!"));
        assertTrue(t.render("verify-email", "zh-cn", verifyData()).text().contains("客服电话：400-000-0000"));
        assertArrayEquals(otherLogo, t.logo());
        // the shipped ones are untouched
        assertTrue(shipped.render("verify-email", "en", verifyData()).html().contains("Hello alice,"));
    }

    @Test
    void templatesAreCompiledOnceAtLoad(@TempDir Path tmp) throws IOException {
        Path dir = copyShipped(tmp);
        MailTemplates t = MailTemplates.load(dir);
        MailContent before = t.render("verify-email", "zh-cn", verifyData());
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(files.toList());
            all.sort((a, b) -> b.getNameCount() - a.getNameCount());
            for (Path p : all) {
                Files.delete(p);
            }
        }
        assertFalse(Files.exists(dir));
        assertEquals(before, t.render("verify-email", "zh-cn", verifyData()));
        assertEquals(before, t.render("verify-email", "zh-cn", verifyData()));
        assertTrue(t.render("account-add-email", "en", accountAddData()).html().contains("Hello bob,"));
        assertTrue(t.logo().length > 0);
    }

    @Test
    void renderingIsSafeFromManyThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String user = "user" + i;
                String locale = i % 2 == 0 ? "en" : "zh-cn";
                results.add(pool.submit(() -> {
                    Map<String, Object> d = verifyData();
                    d.put("userid", user);
                    MailContent m = shipped.render("verify-email", locale, d);
                    return m.html().contains(user + (locale.equals("en") ? "," : "：")) && m.text().contains(user);
                }));
            }
            for (Future<Boolean> r : results) {
                assertTrue(r.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // --- load errors -----------------------------------------------------------------------

    @Test
    void aMissingFolderIsAnError(@TempDir Path tmp) {
        Path dir = tmp.resolve("nope");
        IOException e = assertThrows(IOException.class, () -> MailTemplates.load(dir));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void aMissingDefaultTemplateIsAnErrorNamingTheFile(@TempDir Path tmp) throws IOException {
        for (String missing : List.of("verify-email.html", "verify-email.txt",
                "account-add-email.html", "account-add-email.txt")) {
            Path dir = copyShipped(tmp.resolve(missing));
            Files.delete(dir.resolve(missing));
            IOException e = assertThrows(IOException.class, () -> MailTemplates.load(dir));
            assertTrue(e.getMessage().contains(dir.resolve(missing).toString()), e.getMessage());
            assertTrue(e.getMessage().contains("missing"), e.getMessage());
            assertOneLine(e);
        }
    }

    @Test
    void anUnparsableTemplateIsAnErrorNamingTheFileAndLine(@TempDir Path tmp) throws IOException {
        Path dir = copyShipped(tmp);
        Path file = dir.resolve("zh-cn/account-add-email.txt");
        Files.writeString(file, "line 1\nline 2 {{#userid}}\nline 3 {{/newemail}}\n");
        IOException e = assertThrows(IOException.class, () -> MailTemplates.load(dir));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
        assertOneLine(e);
    }

    @Test
    void partialsDelimiterChangesAndUnescapedHtmlValuesAreRefused(@TempDir Path tmp) throws IOException {
        Map<String, String> bad = Map.of(
                "{{> footer}}", "partials",
                "{{=<% %>=}}", "delimiter",
                "{{{userid}}}", "unescaped",
                "{{& userid}}", "unescaped");
        for (Map.Entry<String, String> b : bad.entrySet()) {
            Path dir = minimalDir(tmp.resolve("d" + Math.abs(b.getKey().hashCode())));
            Path file = dir.resolve("verify-email.html");
            write(file, "{{! a comment may say {{{ or {{> }}\n<p>\nHello " + b.getKey() + "</p>");
            IOException e = assertThrows(IOException.class, () -> MailTemplates.load(dir), b.getKey());
            assertTrue(e.getMessage().contains(file + " line 3"), e.getMessage());
            assertTrue(e.getMessage().contains(b.getValue()), e.getMessage());
        }
        // in the text part, unescaped values are simply values
        Path dir = minimalDir(tmp.resolve("text"));
        write(dir.resolve("verify-email.txt"), "Hello {{{userid}}} {{&userid}}");
        assertEquals("Hello <x> <x>", MailTemplates.load(dir).render("verify-email", "", Map.of("userid", "<x>")).text());
    }

    @Test
    void theReferenceServersGoTemplatesAreRefusedWithTheLineAndTheMustacheToWrite(@TempDir Path tmp) throws IOException {
        // As mustache they would load and render every value empty, the verification link included.
        Map<String, String> bad = Map.of(
                "{{.Userid}}", "write {{userid}}",
                "{{ .Href }}", "write {{href}}",
                "{{- .Expire -}}", "write {{expire}}",
                "{{if .Expire}}", "write a section {{#name}}",
                "{{end}}", "write a section {{#name}}");
        int n = 0;
        for (Map.Entry<String, String> b : bad.entrySet()) {
            for (String part : List.of("verify-email.html", "zh-cn/verify-email.txt")) {
                Path dir = minimalDir(tmp.resolve("go" + n++));
                Path file = dir.resolve(part);
                write(file, "Hello\n\nsee " + b.getKey() + " here\n");
                IOException e = assertThrows(IOException.class, () -> MailTemplates.load(dir), b.getKey() + " in " + part);
                assertTrue(e.getMessage().contains(file + " line 3: " + b.getKey() + " is Go-template syntax"), e.getMessage());
                assertTrue(e.getMessage().contains(b.getValue()), e.getMessage());
            }
        }
        // mustache's own {{.}} (the current item) is still allowed
        Path dir = minimalDir(tmp.resolve("dot"));
        write(dir.resolve("verify-email.txt"), "{{#list}}{{.}} {{/list}}");
        assertEquals("a b ", MailTemplates.load(dir).render("verify-email", "", Map.of("list", List.of("a", "b"))).text());
    }

    @Test
    void aLocaleTemplateWithoutADefaultIsAnError(@TempDir Path tmp) throws IOException {
        Path dir = minimalDir(tmp);
        Path file = dir.resolve("zh-cn/verfy-email.html");
        write(file, "<p>typo</p>");
        IOException e = assertThrows(IOException.class, () -> MailTemplates.load(dir));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("no default"), e.getMessage());
    }

    @Test
    void twoFoldersOfTheSameLocaleAreAnError(@TempDir Path tmp) throws IOException {
        Path dir = minimalDir(tmp);
        write(dir.resolve("zh-cn/verify-email.txt"), "a");
        write(dir.resolve("zh_CN/verify-email.txt"), "b");
        if (Files.isSameFile(dir.resolve("zh-cn"), dir.resolve("zh_CN"))) {
            return; // a case-insensitive file system
        }
        IOException e = assertThrows(IOException.class, () -> MailTemplates.load(dir));
        assertTrue(e.getMessage().contains("zh_CN") && e.getMessage().contains("zh-cn"), e.getMessage());
    }

    @Test
    void aMissingOrNonPngLogoIsAnError(@TempDir Path tmp) throws IOException {
        Path dir = minimalDir(tmp);
        Path logo = dir.resolve("logo.png");
        Files.write(logo, "GIF89a".getBytes(StandardCharsets.US_ASCII));
        IOException e = assertThrows(IOException.class, () -> MailTemplates.load(dir));
        assertTrue(e.getMessage().contains(logo.toString()) && e.getMessage().contains("not a PNG"), e.getMessage());

        Files.delete(logo);
        e = assertThrows(IOException.class, () -> MailTemplates.load(dir));
        assertTrue(e.getMessage().contains(logo.toString()) && e.getMessage().contains("missing"), e.getMessage());
        assertOneLine(e);
    }

    @Test
    void aTemplateThatIsNotUtf8IsAnError(@TempDir Path tmp) throws IOException {
        Path dir = minimalDir(tmp);
        Path file = dir.resolve("verify-email.txt");
        Files.write(file, "Gr\u00fc\u00dfe {{userid}}".getBytes(StandardCharsets.ISO_8859_1));
        IOException e = assertThrows(IOException.class, () -> MailTemplates.load(dir));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void aByteOrderMarkIsDropped(@TempDir Path tmp) throws IOException {
        Path dir = minimalDir(tmp);
        write(dir.resolve("verify-email.txt"), "\uFEFFHello {{userid}}");
        assertEquals("Hello x", MailTemplates.load(dir).render("verify-email", "en", Map.of("userid", "x")).text());
    }

    static void assertOneLine(IOException e) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
