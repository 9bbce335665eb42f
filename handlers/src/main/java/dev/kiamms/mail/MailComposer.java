package dev.kiamms.mail;

import dev.kiamms.mail.delivery.MessageBuilder;
import dev.kiamms.mail.template.MailTemplates;

import jakarta.activation.DataHandler;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Renders a template and wraps it in the MIME structure every kiam-ms mail has:
 * {@code multipart/alternative} of a plain-text part and a {@code multipart/related} HTML part
 * with the logo inline (Content-ID {@code logo}). The result is a {@link MessageBuilder}, so each
 * delivery attempt gets its own message with that MTA's sender, Cc and Bcc.
 */
public final class MailComposer {

    /** The header that ties a mail to the KrossIAM request that caused it. */
    public static final String REQID_HEADER = "X-Kiam-Reqid";

    private final Supplier<MailTemplates> templates;
    private final String subjectPrefix;

    public MailComposer(Supplier<MailTemplates> templates, String subjectPrefix) {
        this.templates = templates;
        this.subjectPrefix = subjectPrefix == null ? "" : subjectPrefix.strip();
    }

    /** One mail to compose: who it goes to and what it says. */
    public record Draft(String reqid, String template, String locale, String subject, InternetAddress to,
                        List<InternetAddress> cc, Map<String, Object> data) {
    }

    /** The templates in force now: an SMS route renders its text from them. */
    public MailTemplates templates() {
        return templates.get();
    }

    public String fullSubject(String subject) {
        return subjectPrefix.isEmpty() ? subject : subjectPrefix + " " + subject;
    }

    /** Renders now (so a template problem fails the request at once) and returns the builder for delivery. */
    public MessageBuilder compose(Draft draft) {
        return compose(draft, null);
    }

    /**
     * As {@link #compose(Draft)}, and refuses (with an {@link IllegalStateException}, before
     * anything is sent) a mail whose text or HTML part does not show the value of data key
     * {@code mustShow}: a verification mail without its link is worse than none.
     */
    public MessageBuilder compose(Draft draft, String mustShow) {
        MailTemplates t = templates.get();
        String subject = fullSubject(draft.subject());
        Map<String, Object> data = new java.util.HashMap<>(draft.data());
        data.put("subject", subject);
        data.put("logo_cid", MailTemplates.LOGO_CID);
        MailContent content = t.render(draft.template(), draft.locale(), data);
        if (mustShow != null) {
            String value = String.valueOf(data.get(mustShow));
            String part = !content.text().contains(value) ? "text (.txt)"
                    : !content.html().contains(value) && !content.html().contains(htmlEscaped(value)) ? "HTML (.html)" : null;
            if (part != null) {
                throw new IllegalStateException("mail template " + draft.template() + " for locale '"
                        + (draft.locale() == null ? "" : draft.locale()) + "' renders its " + part + " part without the " + mustShow
                        + ", so it was not sent; put {{" + mustShow + "}} in that file of " + t.dir());
            }
        }
        byte[] logo = t.logo();
        String logoType = t.logoContentType();
        return (session, identity) -> {
            MimeMessage m = new MimeMessage(session);
            m.setFrom(identity.sender());
            if (identity.replyTo() != null) {
                m.setReplyTo(new InternetAddress[]{identity.replyTo()});
            }
            m.setRecipient(RecipientType.TO, draft.to());
            List<InternetAddress> cc = new ArrayList<>(draft.cc());
            cc.addAll(identity.cc());
            if (!cc.isEmpty()) {
                m.setRecipients(RecipientType.CC, cc.toArray(InternetAddress[]::new));
            }
            if (!identity.bcc().isEmpty()) {
                m.setRecipients(RecipientType.BCC, identity.bcc().toArray(InternetAddress[]::new));
            }
            m.setSubject(subject, "UTF-8");
            m.setSentDate(new Date());
            m.setHeader(REQID_HEADER, draft.reqid());
            m.setContent(body(content, logo, logoType));
            m.saveChanges();
            return m;
        };
    }

    private static String htmlEscaped(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }

    private static MimeMultipart body(MailContent content, byte[] logo, String logoType) throws MessagingException {
        MimeBodyPart text = new MimeBodyPart();
        text.setText(content.text(), "UTF-8", "plain");

        MimeBodyPart html = new MimeBodyPart();
        html.setText(content.html(), "UTF-8", "html");
        MimeBodyPart image = new MimeBodyPart();
        image.setDataHandler(new DataHandler(new ByteArrayDataSource(logo, logoType)));
        image.setContentID("<" + MailTemplates.LOGO_CID + ">");
        image.setDisposition(MimeBodyPart.INLINE);
        image.setFileName(MailTemplates.LOGO_CID + ".png");
        // Said up front, so the encoder does not scan the image on every mail to choose one.
        image.setHeader("Content-Transfer-Encoding", "base64");
        MimeMultipart related = new MimeMultipart("related");
        related.addBodyPart(html);
        related.addBodyPart(image);
        MimeBodyPart relatedPart = new MimeBodyPart();
        relatedPart.setContent(related);

        MimeMultipart alternative = new MimeMultipart("alternative");
        alternative.addBodyPart(text);
        alternative.addBodyPart(relatedPart);
        return alternative;
    }
}
