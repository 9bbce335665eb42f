package dev.kiamms.protocol;

/** The subjects of the protocol and the inbox prefix KrossIAM's client uses for replies. */
public final class Subjects {

    public static final String ACTION_PREFIX = "kiam.console.action.";
    public static final String NOTICE_PREFIX = "kiam.console.notice.";
    public static final String AUDIT_PREFIX = "kiam.console.audit.";
    public static final String LOG = "kiam.console.log";
    /** Everything KrossIAM publishes. */
    public static final String ALL = "kiam.console.>";
    /** KrossIAM's reply subjects are {@code kiam._inbox.<id>.<n>}. */
    public static final String INBOX_PREFIX = "kiam._inbox";

    private Subjects() {
    }

    public static String action(String key) {
        return ACTION_PREFIX + key;
    }

    public static String audit(String key) {
        return AUDIT_PREFIX + key;
    }

    public static String notice(String key) {
        return NOTICE_PREFIX + key;
    }
}
