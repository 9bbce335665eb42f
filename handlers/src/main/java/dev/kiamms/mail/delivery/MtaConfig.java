package dev.kiamms.mail.delivery;

import java.util.List;

/**
 * One mail transfer agent as configured (the reference server's keys). {@code ssl} true means TLS
 * from the first byte (usually port 465); false means plain, upgraded with STARTTLS when the
 * server offers it (usually 587). {@code user} empty: the sender's address authenticates;
 * {@code passwd} empty: no authentication. {@code toString} never shows the password.
 */
public record MtaConfig(String name, String host, int port, boolean ssl, String sender, String replyto,
                        List<String> cc, List<String> bcc, String user, String passwd) {

    public MtaConfig {
        cc = cc == null ? List.of() : List.copyOf(cc);
        bcc = bcc == null ? List.of() : List.copyOf(bcc);
        replyto = replyto == null ? "" : replyto;
        user = user == null ? "" : user;
        passwd = passwd == null ? "" : passwd;
    }

    @Override
    public String toString() {
        return "MtaConfig[name=" + name + ", host=" + host + ", port=" + port + ", ssl=" + ssl + "]";
    }
}
