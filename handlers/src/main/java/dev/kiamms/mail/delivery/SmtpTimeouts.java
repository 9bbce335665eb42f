package dev.kiamms.mail.delivery;

import java.time.Duration;

/** Socket time limits for SMTP: opening the connection, waiting for a reply, writing. */
public record SmtpTimeouts(Duration connect, Duration read, Duration write) {

    public static final SmtpTimeouts DEFAULTS = new SmtpTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofSeconds(30));
}
