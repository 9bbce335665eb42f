package dev.kiamms.protocol;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A semantic version as carried in the envelope's {@code version} field. */
public record ProtocolVersion(int major, int minor, int patch) {

    /** The protocol version this server speaks (msc v0.1.1). */
    public static final ProtocolVersion SERVER = new ProtocolVersion(0, 1, 1);

    // Semver 2.0: optional "v" prefix as Go tools write it, optional pre-release and build parts.
    private static final Pattern SEMVER = Pattern.compile(
            "v?(0|[1-9]\\d{0,8})\\.(0|[1-9]\\d{0,8})\\.(0|[1-9]\\d{0,8})(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?");

    public static Optional<ProtocolVersion> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = SEMVER.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new ProtocolVersion(
                Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
    }

    /**
     * Semver compatibility as the protocol defines it: same major, and while the major is 0
     * (no stability promise yet) the same minor too.
     */
    public boolean canTalkTo(ProtocolVersion other) {
        return major == other.major && (major != 0 || minor == other.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
