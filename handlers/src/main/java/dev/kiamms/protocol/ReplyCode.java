package dev.kiamms.protocol;

/** The reply codes of the KrossIAM message protocol; {@link #value()} is what goes on the wire. */
public enum ReplyCode {
    OK(0),
    /** The handler failed; the reply's message says why. */
    GENERAL_ERROR(1),
    NO_REPLY_SUBJECT(100),
    VERSION_INCOMPATIBLE(101),
    TIME_INVALID(102),
    REQID_MISSING(103),
    ACTION_MISSING(104),
    NOT_IMPLEMENTED(105);

    private final int value;

    ReplyCode(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }
}
