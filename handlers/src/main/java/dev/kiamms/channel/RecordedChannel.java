package dev.kiamms.channel;

import dev.kiamms.mail.delivery.Attempt;
import dev.kiamms.mail.delivery.AttemptEntry;
import dev.kiamms.mail.delivery.AttemptLog;

import java.time.Clock;
import java.util.List;

/**
 * A webhook or SMS channel whose every send is kept in the attempt log, as the mail delivery keeps
 * its own, so that {@code kiam-ms deliveries} answers for every channel. Recipients are kept
 * masked and hashed, never in clear; {@code where} is the far end's host and port only.
 */
public final class RecordedChannel implements Channel {

    private final Channel channel;
    private final String where;
    private final AttemptLog log;
    private final Clock clock;

    /** @param where the far end as a person reads it, e.g. {@code hooks.example.com:443}: never a path or query */
    public RecordedChannel(Channel channel, String where, AttemptLog log, Clock clock) {
        this.channel = channel;
        this.where = where;
        this.log = log;
        this.clock = clock;
    }

    @Override
    public String name() {
        return channel.name();
    }

    @Override
    public boolean needsRecipients() {
        return channel.needsRecipients();
    }

    @Override
    public boolean sendsPerRecipient() {
        return channel.sendsPerRecipient();
    }

    @Override
    public SendOutcome send(Outgoing o) {
        SendOutcome outcome = channel.send(o);
        Attempt.Outcome result;
        String reason;
        if (outcome instanceof SendOutcome.Delivered) {
            result = Attempt.Outcome.DELIVERED;
            reason = "";
        } else if (outcome instanceof SendOutcome.Failed f) {
            result = f.maybeSent() ? Attempt.Outcome.AMBIGUOUS : Attempt.Outcome.NOT_DELIVERED;
            reason = f.reason();
        } else {
            result = Attempt.Outcome.NOT_DELIVERED;
            reason = ((SendOutcome.RetryLater) outcome).reason();
        }
        List<String> masked = o.recipients().stream().map(RecordedChannel::mask).toList();
        List<String> hashes = o.recipients().stream().map(AttemptEntry::hash).toList();
        log.record(new AttemptEntry(o.reqid(), o.key(), channel.name(), masked, hashes, channel.name(), where,
                result.name(), reason, clock.instant().toString()));
        return outcome;
    }

    /** An address as the mail log masks it; a phone number as {@code ***89}, its last two digits only. */
    static String mask(String recipient) {
        String r = recipient == null ? "" : recipient.strip();
        if (r.contains("@")) {
            return AttemptEntry.mask(r);
        }
        String digits = r.replaceAll("[^0-9]", "");
        return digits.length() < 6 ? "***" : "***" + digits.substring(digits.length() - 2);
    }
}
