package dev.kiamms.mail.template;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a template as a mail would show it, with sample values or a person's own, and refuses
 * when the template reads a name the data lacks: at send time such a name renders as nothing,
 * which hides a misspelt {@code {{varaible}}} until a user gets a mail with a hole in it.
 */
public final class TemplatePreview {

    /** What a mail made from the template would say. */
    public record Preview(String subject, String html, String text) {
    }

    /** A template read a name the data does not have; the message names each one and its part. */
    public static final class MissingValues extends Exception {
        private final String template;
        private final List<String> missing;

        MissingValues(String template, List<String> missing) {
            super(template + " uses " + String.join(", ", missing) + ", which the data does not have; correct the template"
                    + " or add the value to the --vars file");
            this.template = template;
            this.missing = List.copyOf(missing);
        }

        /** {@code mail template verify-email for locale 'zh-cn'} */
        public String template() {
            return template;
        }

        /** Each name the data lacks and the part that uses it: {@code {{nosuchvar}} (.html)}. */
        public List<String> missing() {
            return missing;
        }
    }

    private final MailTemplates templates;

    public TemplatePreview(MailTemplates templates) {
        this.templates = templates;
    }

    /** Values like those kiam-ms fills in for a known template; empty for any other. */
    public static Map<String, Object> sample(String template) {
        Map<String, Object> data = new LinkedHashMap<>();
        switch (template.toLowerCase(java.util.Locale.ROOT)) {
            case MailTemplates.VERIFY_EMAIL -> {
                data.put("subject", "Verify your email address");
                data.put("userid", "alice");
                data.put("to", "alice@example.com");
                data.put("href", "https://iam.example.com/verify?token=sample-token");
                data.put("expire", "in 30 minutes");
            }
            case MailTemplates.ACCOUNT_ADD_EMAIL -> {
                data.put("subject", "An email address was added to your account");
                data.put("userid", "alice");
                data.put("newemail", "alice.work@example.com");
                data.put("httpurl", "https://iam.example.com");
                data.put("identity_url", "https://iam.example.com/account/identity");
            }
            default -> {
                // A template of the operator's own: the vars file has to say what it reads.
            }
        }
        data.put(MailTemplates.LOGO_CID_KEY, MailTemplates.LOGO_CID);
        return data;
    }

    /**
     * Renders template {@code name} for {@code locale} with {@code data}.
     *
     * @throws MissingValues             when a part reads a name {@code data} lacks
     * @throws IllegalArgumentException  when there is no such template
     */
    public Preview render(String name, String locale, Map<String, ?> data) throws MissingValues {
        Map<String, Object> values = new HashMap<>(data);
        values.putIfAbsent(MailTemplates.LOGO_CID_KEY, MailTemplates.LOGO_CID);
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Set<String>> part : templates.variables(name, locale).entrySet()) {
            for (String variable : part.getValue()) {
                String head = variable.contains(".") ? variable.substring(0, variable.indexOf('.')) : variable;
                if (!values.containsKey(head)) {
                    missing.add("{{" + variable + "}} (." + part.getKey() + ")");
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new MissingValues("mail template " + name + " for locale '" + (locale == null ? "" : locale) + "'", missing);
        }
        var content = templates.render(name, locale, values);
        Object subject = values.get("subject");
        return new Preview(subject == null ? "" : String.valueOf(subject), content.html(), content.text());
    }
}
