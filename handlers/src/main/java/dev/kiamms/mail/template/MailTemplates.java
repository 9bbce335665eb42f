package dev.kiamms.mail.template;

import com.samskivert.mustache.Escapers;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.MustacheParseException;
import com.samskivert.mustache.Template;
import dev.kiamms.mail.MailContent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mail templates of one folder (normally {@code conf/templates}), each compiled once when the
 * folder is loaded, and the logo that the HTML parts show as an inline image.
 *
 * <p>Layout of the folder:
 * <pre>
 *   &lt;dir&gt;/&lt;name&gt;.html            the default (English) HTML part of template &lt;name&gt;
 *   &lt;dir&gt;/&lt;name&gt;.txt             its default plain-text alternative
 *   &lt;dir&gt;/&lt;locale&gt;/&lt;name&gt;.html   a translation, e.g. zh-cn/verify-email.html (either file may be absent)
 *   &lt;dir&gt;/logo.png               the logo, referenced by the templates as cid:logo
 * </pre>
 * Locale folders are matched case-insensitively and with {@code _} taken as {@code -}; a locale
 * {@code language-country} that has no folder falls back to {@code language}, then to the default.
 * This fallback is made per file, so a translation may provide only one of the two parts.
 *
 * <p>Values are HTML-escaped in the {@code .html} templates and inserted verbatim in the
 * {@code .txt} ones. A variable missing from the data renders as the empty string. Partials,
 * delimiter changes and unescaped values ({@code {{{...}}}} or {@code {{&...}}}) are refused at
 * load time in the HTML templates (the values come from end users), so that rendering never fails.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class MailTemplates {

    /** The Content-ID of the logo part; the data key {@code logo_cid} defaults to it. */
    public static final String LOGO_CID = "logo";
    /** The data key under which the templates find the logo's Content-ID. */
    public static final String LOGO_CID_KEY = "logo_cid";
    /** Template sent by the {@code sendverifyemail} action. */
    public static final String VERIFY_EMAIL = "verify-email";
    /** Template sent for the {@code accountaddemail} audit. */
    public static final String ACCOUNT_ADD_EMAIL = "account-add-email";
    /** The templates every template folder must provide by default (.html and .txt). */
    public static final Set<String> REQUIRED = Set.of(VERIFY_EMAIL, ACCOUNT_ADD_EMAIL);
    /** File name of the logo in the template folder. */
    public static final String LOGO_FILE = "logo.png";

    private static final String HTML = ".html";
    private static final String TEXT = ".txt";
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final Pattern PARSE_LINE = Pattern.compile("^(.*?)\\s*@ line (\\d+)\\s*$", Pattern.DOTALL);
    /** {@code .Userid}, {@code .Href}: a Go template's field (mustache's own {@code .} alone is not one). */
    private static final Pattern GO_FIELD = Pattern.compile("\\.([A-Za-z_][A-Za-z0-9_]*)");
    /** {@code if .X}, {@code range .X}, {@code end}, {@code else}: a Go template's actions. */
    private static final Pattern GO_ACTION = Pattern.compile("(if|range|with|template|define|block)\\s.*|end|else(\\s.*)?",
            Pattern.DOTALL);
    private static final Pattern COMMENT = Pattern.compile("\\{\\{!.*?}}", Pattern.DOTALL);

    /**
     * The five characters that matter in HTML text and quoted attribute values. jmustache's own
     * escaper also writes {@code =} and {@code `} as entities, which spoils how links look in
     * the raw mail (tokens often end with {@code =}) and gains nothing with quoted attributes.
     */
    private static final Mustache.Escaper HTML_ESCAPER = Escapers.simple(
            new String[]{"&", "&amp;"},
            new String[]{"<", "&lt;"},
            new String[]{">", "&gt;"},
            new String[]{"\"", "&quot;"},
            new String[]{"'", "&#39;"});

    private static final Mustache.Compiler HTML_COMPILER = compiler(true);
    private static final Mustache.Compiler TEXT_COMPILER = compiler(false);

    /** The two parts of one template in one folder; either may be null in a locale folder. */
    private record Variant(Template html, Template text) {
    }

    private final Path dir;
    private final Map<String, Variant> defaults;
    private final Map<String, Map<String, Variant>> locales;
    private final byte[] logo;

    private MailTemplates(Path dir, Map<String, Variant> defaults,
                          Map<String, Map<String, Variant>> locales, byte[] logo) {
        this.dir = dir;
        this.defaults = defaults;
        this.locales = locales;
        this.logo = logo;
    }

    private static Mustache.Compiler compiler(boolean html) {
        return Mustache.compiler()
                .withEscaper(html ? HTML_ESCAPER : Escapers.NONE)
                .defaultValue("")          // a missing or null value renders empty, never throws
                .emptyStringIsFalse(true)  // {{#userid}}...{{/userid}} reads as "if userid is set"
                .withLoader(name -> {
                    throw new UnsupportedOperationException("partials are not supported");
                });
    }

    /**
     * Reads and compiles every template of {@code dir} and its locale folders, and reads the logo.
     *
     * @throws IOException with a one-line message naming the file and what is wrong with it
     */
    public static MailTemplates load(Path dir) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new IOException("mail template folder " + root + " does not exist or is not a folder");
        }

        Map<String, Variant> defaults = readFolder(root, true);
        for (String name : new TreeSet<>(REQUIRED)) {
            if (!defaults.containsKey(name)) {
                throw new IOException("mail template " + root.resolve(name + HTML) + " is missing"
                        + " (the default " + name + ".html and " + name + ".txt are required)");
            }
        }

        Map<String, Map<String, Variant>> locales = new TreeMap<>();
        Map<String, Path> localeFolders = new HashMap<>();
        for (Path sub : list(root)) {
            String folder = sub.getFileName().toString();
            if (folder.startsWith(".") || !Files.isDirectory(sub)) {
                continue;
            }
            String locale = normalizeLocale(folder);
            Path clash = localeFolders.put(locale, sub);
            if (clash != null) {
                throw new IOException("mail template folder " + sub + " is the same locale as " + clash
                        + " (locale folders are matched case-insensitively); keep one of them");
            }
            Map<String, Variant> variants = readFolder(sub, false);
            for (String name : variants.keySet()) {
                if (!defaults.containsKey(name)) {
                    throw new IOException("mail template " + sub.resolve(fileOf(variants.get(name), name))
                            + " has no default " + root.resolve(name + HTML) + " (a misspelt name?)");
                }
            }
            if (!variants.isEmpty()) {
                locales.put(locale, Collections.unmodifiableMap(variants));
            }
        }

        byte[] logo = readLogo(root.resolve(LOGO_FILE));
        return new MailTemplates(root, Collections.unmodifiableMap(defaults),
                Collections.unmodifiableMap(locales), logo);
    }

    private static String fileOf(Variant v, String name) {
        return name + (v.html() != null ? HTML : TEXT);
    }

    /**
     * Renders template {@code name} for {@code locale} with {@code data}.
     *
     * @param name   a template name, e.g. {@link #VERIFY_EMAIL}
     * @param locale the user's locale as KrossIAM sends it ({@code zh-cn}, {@code zh_CN}, {@code en});
     *               null or blank selects the default
     * @param data   the values; {@code logo_cid} defaults to {@link #LOGO_CID}
     * @throws IllegalArgumentException if there is no template {@code name}
     */
    public MailContent render(String name, String locale, Map<String, ?> data) {
        Variant chosen = resolve(name, locale);
        Map<String, Object> values = new HashMap<>();
        if (data != null) {
            values.putAll(data);
        }
        values.putIfAbsent(LOGO_CID_KEY, LOGO_CID);
        return new MailContent(chosen.html().execute(values), chosen.text().execute(values));
    }

    /**
     * The names the HTML ({@code html}) and text ({@code txt}) part of template {@code name} for
     * {@code locale} read from the data: its variables and sections, inner ones included, in the
     * order they first appear. A name missing from the data renders as nothing, so a preview
     * compares these with its data to catch a misspelt variable.
     *
     * @throws IllegalArgumentException if there is no template {@code name}
     */
    public Map<String, Set<String>> variables(String name, String locale) {
        Variant chosen = resolve(name, locale);
        Map<String, Set<String>> out = new java.util.LinkedHashMap<>();
        out.put("html", namesIn(chosen.html()));
        out.put("txt", namesIn(chosen.text()));
        return out;
    }

    private static Set<String> namesIn(Template template) {
        Set<String> names = new java.util.LinkedHashSet<>();
        template.visit(new Mustache.Visitor() {
            @Override
            public void visitText(String text) {
            }

            @Override
            public void visitVariable(String name) {
                add(name);
            }

            @Override
            public boolean visitInclude(String name) {
                return false; // partials are refused at load time
            }

            @Override
            public boolean visitSection(String name) {
                add(name);
                return true;
            }

            @Override
            public boolean visitInvertedSection(String name) {
                add(name);
                return true;
            }

            private void add(String name) {
                if (!name.equals(".") && !name.equals("this")) {
                    names.add(name);
                }
            }
        });
        return names;
    }

    /** The HTML and text part that {@code locale} gets of template {@code name}, each falling back on its own. */
    private Variant resolve(String name, String locale) {
        Variant fallback = name == null ? null : defaults.get(name.toLowerCase(Locale.ROOT));
        if (fallback == null) {
            throw new IllegalArgumentException("no mail template named '" + name + "' in " + dir);
        }
        String key = name.toLowerCase(Locale.ROOT);
        Template html = null;
        Template text = null;
        for (String candidate : candidates(locale)) {
            Map<String, Variant> folder = locales.get(candidate);
            Variant v = folder == null ? null : folder.get(key);
            if (v != null) {
                if (html == null) {
                    html = v.html();
                }
                if (text == null) {
                    text = v.text();
                }
            }
        }
        if (html == null) {
            html = fallback.html();
        }
        if (text == null) {
            text = fallback.text();
        }
        return new Variant(html, text);
    }

    /** The logo's bytes (a copy). */
    public byte[] logo() {
        return logo.clone();
    }

    /** The logo's media type. */
    public String logoContentType() {
        return "image/png";
    }

    /** The folder the templates were loaded from (absolute). */
    public Path dir() {
        return dir;
    }

    /** The locale folders that hold at least one template, lowercase with {@code -}, e.g. {@code zh-cn}. */
    public Set<String> locales() {
        return Collections.unmodifiableSet(new TreeSet<>(locales.keySet()));
    }

    /** The template names, e.g. {@code verify-email}. */
    public Set<String> names() {
        return Collections.unmodifiableSet(new TreeSet<>(defaults.keySet()));
    }

    /** Whether there is a folder for {@code locale}, however KrossIAM spells it ({@code zh_CN}, {@code zh-cn}). */
    public boolean hasLocale(String locale) {
        return locales().contains(normalizeLocale(locale));
    }

    @Override
    public String toString() {
        return "MailTemplates[" + dir + ", templates " + names() + ", locales " + locales() + "]";
    }

    // ---------------------------------------------------------------------------------------

    /** zh_CN, ZH-cn, " zh-CN " → zh-cn. */
    static String normalizeLocale(String locale) {
        return locale.trim().replace('_', '-').toLowerCase(Locale.ROOT);
    }

    /** zh-hant-tw → [zh-hant-tw, zh-hant, zh]; null or blank → []. */
    static String[] candidates(String locale) {
        if (locale == null || locale.isBlank()) {
            return new String[0];
        }
        String l = normalizeLocale(locale);
        String[] out = new String[l.length()];
        int n = 0;
        while (!l.isEmpty()) {
            out[n++] = l;
            int dash = l.lastIndexOf('-');
            l = dash < 0 ? "" : l.substring(0, dash);
        }
        return Arrays.copyOf(out, n);
    }

    private static Iterable<Path> list(Path folder) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            TreeSet<Path> sorted = new TreeSet<>();
            entries.forEach(sorted::add);
            return sorted;
        }
    }

    /** The templates of one folder by lowercase name; in the default folder both parts are required. */
    private static Map<String, Variant> readFolder(Path folder, boolean isDefault) throws IOException {
        Map<String, Template> html = new TreeMap<>();
        Map<String, Template> text = new TreeMap<>();
        Map<String, Path> seen = new HashMap<>();
        for (Path file : list(folder)) {
            String fileName = file.getFileName().toString();
            String lower = fileName.toLowerCase(Locale.ROOT);
            boolean isHtml = lower.endsWith(HTML);
            boolean isText = lower.endsWith(TEXT);
            if (fileName.startsWith(".") || !(isHtml || isText) || !Files.isRegularFile(file)) {
                continue;
            }
            String name = lower.substring(0, lower.length() - (isHtml ? HTML : TEXT).length());
            if (name.isEmpty()) {
                continue;
            }
            Path clash = seen.put(lower, file);
            if (clash != null) {
                throw new IOException("mail template " + file + " is the same template as " + clash
                        + " (names are matched case-insensitively); keep one of them");
            }
            Template t = compile(file, isHtml);
            (isHtml ? html : text).put(name, t);
        }
        Map<String, Variant> variants = new TreeMap<>();
        Set<String> names = new TreeSet<>(html.keySet());
        names.addAll(text.keySet());
        for (String name : names) {
            Template h = html.get(name);
            Template t = text.get(name);
            if (isDefault && h == null) {
                throw new IOException("mail template " + folder.resolve(name + HTML) + " is missing"
                        + " (every default template needs a .html and a .txt)");
            }
            if (isDefault && t == null) {
                throw new IOException("mail template " + folder.resolve(name + TEXT) + " is missing"
                        + " (every default template needs a .html and a .txt)");
            }
            variants.put(name, new Variant(h, t));
        }
        return variants;
    }

    private static Template compile(Path file, boolean html) throws IOException {
        String source = readUtf8(file);
        checkTags(file, source, html);
        Template template;
        try {
            template = (html ? HTML_COMPILER : TEXT_COMPILER).compile(source);
        } catch (MustacheParseException e) {
            String message = oneLine(e.getMessage());
            Matcher m = PARSE_LINE.matcher(message);
            if (m.matches()) {
                throw new IOException("mail template " + file + " line " + m.group(2) + ": " + m.group(1), e);
            }
            throw new IOException("mail template " + file + ": " + message, e);
        } catch (MustacheException e) {
            throw new IOException("mail template " + file + ": " + oneLine(e.getMessage()), e);
        }
        // A trial run, so that a template that would fail at send time fails the start instead.
        try {
            template.execute(Map.of());
        } catch (RuntimeException e) {
            throw new IOException("mail template " + file + " cannot be rendered: " + oneLine(e.getMessage()), e);
        }
        return template;
    }

    /**
     * Refuses partials and delimiter changes (both would fail or escape the checks at send time)
     * and, in HTML, unescaped values.
     */
    private static void checkTags(Path file, String source, boolean html) throws IOException {
        // Blank out comments (keeping their line breaks), so that text inside them is not checked.
        Matcher comments = COMMENT.matcher(source);
        StringBuilder sb = new StringBuilder(source.length());
        while (comments.find()) {
            comments.appendReplacement(sb, Matcher.quoteReplacement(
                    comments.group().replaceAll("[^\\n]", " ")));
        }
        comments.appendTail(sb);
        String code = sb.toString();
        for (int i = code.indexOf("{{"); i >= 0; i = code.indexOf("{{", i + 2)) {
            int j = i + 2;
            while (j < code.length() && code.charAt(j) == ' ') {
                j++;
            }
            char c = j < code.length() ? code.charAt(j) : ' ';
            String problem = null;
            if (c == '>' || c == '<') {
                problem = "partials ({{> name}}) are not supported";
            } else if (c == '=') {
                problem = "delimiter changes ({{=...=}}) are not supported";
            } else if (html && (c == '&' || (i + 2 < code.length() && code.charAt(i + 2) == '{'))) {
                problem = "unescaped values ({{{name}}} or {{&name}}) are not allowed in HTML templates;"
                        + " use {{name}}, which HTML-escapes the value";
            }
            if (problem == null) {
                problem = goTemplateProblem(code, i);
            }
            if (problem != null) {
                long line = code.substring(0, i).chars().filter(ch -> ch == '\n').count() + 1;
                throw new IOException("mail template " + file + " line " + line + ": " + problem);
            }
        }
    }

    /**
     * The reference server's templates are Go templates ({@code {{.Userid}}}, {@code {{if .X}}}):
     * as mustache they would load and render every value empty, the verification link included,
     * so they are refused with the mustache to write instead.
     */
    private static String goTemplateProblem(String code, int open) {
        int close = code.indexOf("}}", open + 2);
        if (close < 0) {
            return null;
        }
        String tag = code.substring(open, close + 2);
        String inner = code.substring(open + 2, close).strip();
        if (inner.startsWith("-")) {
            inner = inner.substring(1).strip();
        }
        if (inner.endsWith("-")) {
            inner = inner.substring(0, inner.length() - 1).strip();
        }
        Matcher field = GO_FIELD.matcher(inner);
        if (field.matches()) {
            return tag + " is Go-template syntax (the reference server's); kiam-ms templates are mustache:"
                    + " write {{" + field.group(1).toLowerCase(Locale.ROOT) + "}} (the values are listed in the template folder's README.md)";
        }
        if (GO_ACTION.matcher(inner).matches()) {
            return tag + " is Go-template syntax (the reference server's); kiam-ms templates are mustache:"
                    + " write a section {{#name}}...{{/name}} or {{^name}}...{{/name}} instead";
        }
        return null;
    }

    private static String readUtf8(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("mail template " + file + " is not valid UTF-8; save it as UTF-8", e);
        }
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    private static byte[] readLogo(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException("mail logo " + file + " is missing (the templates show it as cid:" + LOGO_CID + ")", e);
        }
        if (bytes.length < PNG_SIGNATURE.length
                || !Arrays.equals(Arrays.copyOf(bytes, PNG_SIGNATURE.length), PNG_SIGNATURE)) {
            throw new IOException("mail logo " + file + " is not a PNG image");
        }
        return bytes;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
