package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.app.service.MailSetup;
import dev.kiamms.mail.template.MailTemplates;
import dev.kiamms.mail.template.TemplatePreview;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "preview",
        description = "Render a mail template as a mail would show it: its subject, HTML and text, with sample values or "
                + "those of a vars file. Fails, naming them, when the template uses a variable the values lack.",
        footer = {"", "Exit codes: 0 rendered, 2 the template, the vars file or the configuration has a problem.",
                "", "Examples:", "  kiam-ms preview verify-email", "  kiam-ms preview verify-email --locale zh-cn --out /tmp/preview",
                "  kiam-ms preview account-add-email --vars values.yaml"})
public final class PreviewCommand implements Callable<Integer> {

    @Parameters(paramLabel = "TEMPLATE", description = "The template's name, e.g. verify-email or account-add-email.")
    String template;

    @Option(names = "--locale", paramLabel = "L", defaultValue = "",
            description = "The user's locale, e.g. zh-cn (default: the default templates).")
    String locale;

    @Option(names = "--vars", paramLabel = "FILE",
            description = "A JSON or YAML file of the values to use instead of the built-in samples.")
    Path vars;

    @Option(names = "--out", paramLabel = "DIR", description = "Write subject.txt, body.html and body.txt into DIR instead of printing them.")
    Path out;

    @Option(names = "--templates", paramLabel = "DIR", description = "The template folder (default: mail.template_dir of the configuration).")
    Path templateDir;

    @Mixin
    InstanceOptions instance;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws IOException {
        MailTemplates templates = templates();
        if (!templates.names().contains(template.toLowerCase(java.util.Locale.ROOT))) {
            throw new KiamMsException(KiamMsException.CONFIG, "no mail template named '" + template + "' in " + templates.dir()
                    + "; the templates are " + String.join(", ", templates.names()));
        }
        Map<String, Object> data = vars == null ? TemplatePreview.sample(template) : readVars(vars);
        TemplatePreview.Preview preview;
        try {
            preview = new TemplatePreview(templates).render(template, locale, data);
        } catch (TemplatePreview.MissingValues e) {
            throw new KiamMsException(KiamMsException.CONFIG, e.getMessage());
        }
        if (!locale.isBlank() && !templates.hasLocale(locale)) {
            output.err().println("note: " + templates.dir() + " has no folder for locale '" + locale + "'; this is what that locale gets"
                    + " (its language's folder or the default)");
        }
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("subject.txt"), preview.subject() + "\n", StandardCharsets.UTF_8);
            Files.writeString(out.resolve("body.html"), preview.html(), StandardCharsets.UTF_8);
            Files.writeString(out.resolve("body.txt"), preview.text(), StandardCharsets.UTF_8);
            output.print(Result.of(Map.of("wrote", out.toAbsolutePath().toString()),
                    "wrote subject.txt, body.html and body.txt to " + out.toAbsolutePath()));
        } else {
            Map<String, String> json = new java.util.LinkedHashMap<>();
            json.put("subject", preview.subject());
            json.put("html", preview.html());
            json.put("text", preview.text());
            output.print(Result.of(json, "Subject: " + preview.subject(), "----- body.html -----", preview.html(),
                    "----- body.txt -----", preview.text()));
        }
        return 0;
    }

    private MailTemplates templates() {
        if (templateDir != null) {
            try {
                return MailTemplates.load(templateDir);
            } catch (IOException e) {
                throw new KiamMsException(KiamMsException.CONFIG, e.getMessage());
            }
        }
        InstancePaths paths = instance.paths();
        return MailSetup.templates(paths, instance.loadConfig(paths));
    }

    private static Map<String, Object> readVars(Path file) {
        try {
            Map<String, Object> data = new YAMLMapper().readValue(file.toFile(), new TypeReference<Map<String, Object>>() { });
            if (data == null) {
                throw new KiamMsException(KiamMsException.CONFIG, "vars file " + file + " is empty; write one name: value per line");
            }
            return data;
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new KiamMsException(KiamMsException.CONFIG, "cannot read vars file " + file + ": " + why
                    + "; it must be a JSON object or a YAML map of names to values");
        }
    }

    /**
     * What {@code config check} reports of the templates: each known template, in the default and
     * every locale folder, rendered with its sample values; one line per template that uses a
     * value kiam-ms does not fill in. Templates of other names are left alone (no one knows their data).
     */
    static List<String> problems(MailTemplates templates) {
        List<String> problems = new ArrayList<>();
        TemplatePreview preview = new TemplatePreview(templates);
        List<String> locales = new ArrayList<>();
        locales.add("");
        locales.addAll(templates.locales());
        for (String name : templates.names()) {
            if (!MailTemplates.REQUIRED.contains(name)) {
                continue;
            }
            for (String locale : locales) {
                try {
                    preview.render(name, locale, TemplatePreview.sample(name));
                } catch (TemplatePreview.MissingValues e) {
                    problems.add(templates.dir() + ": " + e.template() + " uses " + String.join(", ", e.missing())
                            + ", which kiam-ms does not fill in (it renders as nothing); correct the template");
                } catch (RuntimeException e) {
                    problems.add(templates.dir() + ": mail template " + name + " for locale '" + locale + "' cannot be rendered: "
                            + e.getMessage());
                }
            }
        }
        return problems;
    }
}
