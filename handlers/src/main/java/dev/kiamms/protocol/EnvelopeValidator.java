package dev.kiamms.protocol;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The checks every envelope passes before a handler sees it, in the protocol's order:
 * version (101), time (102), reqid (103).
 */
public final class EnvelopeValidator {

    /** How old a message may be, as the protocol states. */
    public static final Duration MAX_AGE = Duration.ofSeconds(10);
    /**
     * How far in the future a message's time may lie. The reference server allows none, which
     * refuses every request from a host whose clock runs a little ahead; this allowance absorbs
     * ordinary skew between two NTP-synchronised hosts.
     */
    public static final Duration MAX_FUTURE_SKEW = Duration.ofSeconds(5);

    /** The last version text seen and what it parsed to: every request of a client carries the same one. */
    private record Parsed(String text, Optional<ProtocolVersion> version) {
    }

    private final ProtocolVersion server;
    private volatile Parsed lastVersion = new Parsed("", Optional.empty());
    private final long maxAgeMicros;
    private final long maxSkewMicros;

    public EnvelopeValidator() {
        this(ProtocolVersion.SERVER, MAX_AGE, MAX_FUTURE_SKEW);
    }

    public EnvelopeValidator(ProtocolVersion server, Duration maxAge, Duration maxFutureSkew) {
        this.server = server;
        this.maxAgeMicros = maxAge.toNanos() / 1_000;
        this.maxSkewMicros = maxFutureSkew.toNanos() / 1_000;
    }

    public Optional<Rejection> check(Envelope envelope, long nowMicros) {
        String version = envelope.version();
        if (version == null || version.isBlank()) {
            return reject(ReplyCode.VERSION_INCOMPATIBLE, "version missing; this server speaks " + expected());
        }
        Optional<ProtocolVersion> parsed = parse(version);
        if (parsed.isEmpty()) {
            return reject(ReplyCode.VERSION_INCOMPATIBLE,
                    "version '" + version + "' is not a semantic version; this server speaks " + expected());
        }
        if (!server.canTalkTo(parsed.get())) {
            return reject(ReplyCode.VERSION_INCOMPATIBLE,
                    "version " + version + " is incompatible; this server speaks " + expected());
        }
        long time = envelope.timeMicros();
        if (time <= 0) {
            return reject(ReplyCode.TIME_INVALID, "time missing (microseconds since the Unix epoch)");
        }
        long age = nowMicros - time;
        if (age > maxAgeMicros) {
            return reject(ReplyCode.TIME_INVALID, String.format(Locale.ROOT,
                    "request is %s old, more than the %d s allowed; check the clocks of both hosts",
                    seconds(age), maxAgeMicros / 1_000_000));
        }
        if (-age > maxSkewMicros) {
            return reject(ReplyCode.TIME_INVALID, String.format(Locale.ROOT,
                    "request time is %s in the future, more than the %d s of clock skew allowed; check the clocks of both hosts",
                    seconds(-age), maxSkewMicros / 1_000_000));
        }
        if (envelope.reqid() == null || envelope.reqid().isBlank()) {
            return reject(ReplyCode.REQID_MISSING, "reqid missing");
        }
        return Optional.empty();
    }

    /** {@link ProtocolVersion#parse}, without running the pattern again for the same text. */
    private Optional<ProtocolVersion> parse(String version) {
        Parsed last = lastVersion;
        if (last.text().equals(version)) {
            return last.version();
        }
        Optional<ProtocolVersion> parsed = ProtocolVersion.parse(version);
        lastVersion = new Parsed(version, parsed);
        return parsed;
    }

    private String expected() {
        return server.major() == 0 ? server.major() + "." + server.minor() + ".x" : server.major() + ".x";
    }

    private static String seconds(long micros) {
        double s = micros / 1e6;
        return s >= 86_400 ? String.format(Locale.ROOT, "%.0f days", s / 86_400) : String.format(Locale.ROOT, "%.1f s", s);
    }

    private static Optional<Rejection> reject(ReplyCode code, String message) {
        return Optional.of(new Rejection(code, message));
    }
}
