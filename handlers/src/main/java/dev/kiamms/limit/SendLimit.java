package dev.kiamms.limit;

import java.time.Duration;

/**
 * At most {@code max} mails to one recipient within {@code window}.
 *
 * @param max    1 or more (a limit of 0 is expressed by having no limit)
 * @param window 1 s or longer
 */
public record SendLimit(int max, Duration window) {

    public SendLimit {
        if (max < 1) {
            throw new IllegalArgumentException("a send limit needs max 1 or more, not " + max);
        }
        if (window == null || window.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("a send limit needs a window of 1 s or more, not " + window);
        }
    }

    /** As people read it: "5 mails in 10 minutes". */
    public String describe() {
        long minutes = window.toMinutes();
        String span = window.toSeconds() % 60 == 0 ? minutes + (minutes == 1 ? " minute" : " minutes") : window.toSeconds() + " s";
        return max + (max == 1 ? " mail" : " mails") + " in " + span;
    }
}
