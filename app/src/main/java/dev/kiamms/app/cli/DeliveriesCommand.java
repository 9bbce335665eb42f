package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.config.LoadedConfig;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.bus.AttemptStream;
import dev.kiamms.mail.delivery.AttemptEntry;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "deliveries",
        description = "Mail delivery attempts the broker keeps (every kiam-ms instance on it): did the user get the mail, "
                + "and through which MTA? One line per attempt, newest last.",
        footer = {"", "Addresses are kept masked (j***@example.com); --to matches the address given, in any case.",
                "", "Examples:", "  kiam-ms deliveries --reqid 3f9c2a7e", "  kiam-ms deliveries --to jane@example.com --since 2d",
                "  kiam-ms deliveries --since 1h --json"})
public final class DeliveriesCommand implements Callable<Integer> {

    @Option(names = "--reqid", paramLabel = "REQID", description = "Only the attempts for this request.")
    String reqid;

    @Option(names = "--to", paramLabel = "ADDRESS", description = "Only mails to this address (To or Cc).")
    String to;

    @Option(names = "--since", paramLabel = "DURATION",
            description = "Only attempts this recent: 90s, 15m, 2h, 7d or ISO-8601 (PT2H) (default: all that are kept).")
    String since;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most the newest N attempts (default: ${DEFAULT-VALUE}).")
    int limit;

    @Mixin
    InstanceOptions instance;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() {
        if (limit < 1) {
            throw new KiamMsException(KiamMsException.CONFIG, "--limit must be 1 or more, not " + limit);
        }
        Instant from = since == null ? null : Instant.now().minus(parseDuration(since));
        InstancePaths paths = instance.paths();
        LoadedConfig config = instance.loadConfig(paths);
        AttemptStream.Query query = new AttemptStream.Query(reqid, to, from, limit);
        List<AttemptEntry> entries = KrossIamConnection.asKiamMs(paths, config, nc -> AttemptStream.read(nc, query),
                e -> new KiamMsException(KiamMsException.FAILURE, "cannot read the delivery attempts (stream " + AttemptStream.STREAM
                        + "): " + e.getMessage() + "; check that 'kiam-ms status' shows JetStream"));
        print(output.out(), entries);
        output.out().flush();
        return 0;
    }

    private void print(PrintWriter out, List<AttemptEntry> entries) {
        if (output.json()) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (AttemptEntry e : entries) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("at", e.at());
                r.put("reqid", e.reqid());
                r.put("key", e.key());
                r.put("channel", e.channel());
                r.put("to", e.to());
                r.put("mta", e.mta());
                r.put("where", e.where());
                r.put("outcome", e.outcome());
                r.put("reason", e.reason());
                rows.add(r);
            }
            output.printJson(out, rows);
            return;
        }
        if (entries.isEmpty()) {
            out.println("no delivery attempts recorded" + (reqid == null ? "" : " for reqid " + reqid)
                    + (to == null ? "" : " to " + AttemptEntry.mask(to)) + (since == null ? "" : " in the last " + since));
            return;
        }
        for (AttemptEntry e : entries) {
            out.println(e.at() + "  " + e.reqid() + "  " + (e.key().isEmpty() ? "-" : e.key()) + "  " + e.channel() + "  "
                    + String.join(",", e.to()) + "  " + e.mta() + " (" + e.where() + ")  " + e.outcome() + "  " + e.reason());
        }
    }

    /** {@code 90s}, {@code 15m}, {@code 2h}, {@code 7d}, or ISO-8601 such as {@code PT2H}. */
    static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return positive(text, Duration.parse(t.toUpperCase(Locale.ROOT)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return positive(text, switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new NumberFormatException();
            });
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw new KiamMsException(KiamMsException.CONFIG, "--since '" + text + "' is not a duration; write e.g. 90s, 15m, 2h, 7d or PT2H");
        }
    }

    private static Duration positive(String text, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new KiamMsException(KiamMsException.CONFIG, "--since '" + text + "' must be longer than zero");
        }
        return d;
    }
}
