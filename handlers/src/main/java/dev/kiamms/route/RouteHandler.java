package dev.kiamms.route;

import dev.kiamms.bus.DeliveryLedger;
import dev.kiamms.channel.Channel;
import dev.kiamms.channel.Outgoing;
import dev.kiamms.channel.SendOutcome;
import dev.kiamms.limit.SendBudget;
import dev.kiamms.mail.MailAddresses;
import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.MessageContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Sends one route's events through each of its channels. With a {@link DeliveryLedger} and more
 * than one part to send, every channel's send (and, for a channel that sends per recipient, every
 * recipient's) is recorded apart, so that after a failure of one channel the retry does not send
 * again what the others delivered. A failure that a retry may mend makes the event retried; a missing recipient, a 4xx
 * or a send that may have gone out makes it final (a dead letter naming the reason).
 */
public final class RouteHandler implements EventHandler<JsonNode> {

    private static final Logger LOG = Logger.getLogger("kiamms.route");
    private static final Duration LEDGER_PATIENCE = Duration.ofSeconds(30);

    private final Route route;
    private final List<Channel> channels;
    /** Read per send: the appliance opens its ledger only once JetStream answers, after the handlers are built. */
    private final Supplier<DeliveryLedger> ledgers;
    private final SendBudget budget;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param channels the route's channels, in its order
     * @param ledgers  the ledger in force, or null while there is none (a retry then sends through every channel again)
     * @param budget  the per-recipient limits; a recipient over the route's budget is left out with a log line
     */
    public RouteHandler(Route route, List<Channel> channels, Supplier<DeliveryLedger> ledgers, SendBudget budget) {
        this.route = route;
        this.channels = List.copyOf(channels);
        this.ledgers = ledgers;
        this.budget = budget;
    }

    public Route route() {
        return route;
    }

    @Override
    public String subject() {
        return route.subject();
    }

    @Override
    public Class<JsonNode> payloadType() {
        return JsonNode.class;
    }

    @Override
    public boolean blocking() {
        return true;
    }

    @Override
    public void handle(JsonNode sent, MessageContext context) throws ActionException {
        String reqid = context.reqid();
        if (sent == null || !sent.isObject()) {
            throw new ActionException("route " + route.key() + ": the payload is not a JSON object; nothing sent", false);
        }
        // KrossIAM's own server matches payload keys in any case (MAILTO is mailto): so do routes and templates.
        ObjectNode payload = lowerCaseKeys((ObjectNode) sent);
        Map<String, Object> data;
        try {
            data = templateData(payload);
        } catch (IllegalArgumentException e) {
            throw new ActionException("route " + route.key() + ": " + e.getMessage() + "; nothing sent", false);
        }
        String title = payload.path("subject").isTextual() ? payload.get("subject").asText() : route.title();
        String locale = payload.path("locale").isTextual() ? payload.get("locale").asText() : null;
        List<String> finals = new ArrayList<>();
        List<String> retries = new ArrayList<>();
        List<List<String>> recipientsByChannel = new ArrayList<>();
        int parts = 0;
        for (Channel channel : channels) {
            List<String> to = recipients(payload, route.recipientFields(channel.name()));
            recipientsByChannel.add(to);
            parts += channel.needsRecipients() && to.isEmpty() ? 0 : channel.sendsPerRecipient() ? to.size() : 1;
        }
        // With one part only, the event's own record (the durable consumer's) already says whether it
        // went out: a record of the part would add two writes per event and guard nothing more.
        boolean partRecords = parts > 1;
        for (int c = 0; c < channels.size(); c++) {
            Channel channel = channels.get(c);
            List<String> to = recipientsByChannel.get(c);
            if (channel.needsRecipients() && to.isEmpty()) {
                String why = channel.name() + ": the payload has no recipient in field(s) " + route.recipientFields(channel.name());
                LOG.warning(() -> context.subject() + " reqid=" + reqid + " route " + route.key() + " " + why);
                finals.add(why);
                continue;
            }
            Outgoing base = new Outgoing(reqid, route.key(), context.subject(), route.template(), locale, title, to, data, sent);
            if (channel.sendsPerRecipient()) {
                for (int i = 0; i < to.size(); i++) {
                    Outgoing one = new Outgoing(reqid, route.key(), context.subject(), route.template(), locale, title,
                            List.of(to.get(i)), data, sent);
                    send(channel, one, channel.name() + "#" + i, partRecords, finals, retries);
                }
            } else {
                send(channel, base, channel.name(), partRecords, finals, retries);
            }
        }
        if (!finals.isEmpty()) {
            List<String> all = new ArrayList<>(finals);
            all.addAll(retries);
            throw new ActionException("route " + route.key() + ": " + String.join("; ", all), false);
        }
        if (!retries.isEmpty()) {
            throw new ActionException("route " + route.key() + ": " + String.join("; ", retries), true);
        }
    }

    /**
     * Sends through one channel unless its record says it was delivered before, and records how it went.
     *
     * @param recorded whether this part keeps a delivery record of its own
     */
    private void send(Channel channel, Outgoing o, String part, boolean recorded, List<String> finals, List<String> retries) {
        String recordSubject = o.subject() + "#" + part;
        DeliveryLedger ledger = recorded ? ledgers.get() : null;
        DeliveryLedger.Claim.Fresh claim = null;
        if (ledger != null) {
            DeliveryLedger.Claim c = ledger.claim(recordSubject, o.reqid());
            if (c instanceof DeliveryLedger.Claim.MaybeDelivered) {
                // Only a person's replay of the event gets here (the event's own record guards the rest): they asked to send it again.
                try {
                    ledger.forget(recordSubject, o.reqid());
                    c = ledger.claim(recordSubject, o.reqid());
                } catch (Exception e) {
                    c = new DeliveryLedger.Claim.Unavailable(String.valueOf(e.getMessage()));
                }
            }
            if (c instanceof DeliveryLedger.Claim.AlreadyDelivered done) {
                LOG.info(() -> o.subject() + " reqid=" + o.reqid() + " " + part + " delivered before (" + done.since() + "); not sent again");
                return;
            }
            if (c instanceof DeliveryLedger.Claim.Unavailable u) {
                retries.add(part + ": its delivery record cannot be written now (" + u.reason() + ")");
                return;
            }
            if (c instanceof DeliveryLedger.Claim.Fresh fresh) {
                claim = fresh;
            } else {
                retries.add(part + ": its delivery record is held by another send; trying again later");
                return;
            }
        }
        Outgoing sending = o;
        if (channel.needsRecipients()) {
            // Asked only for what is really about to go out: a part delivered before costs nothing again.
            List<String> allowed = o.recipients().stream()
                    .filter(r -> budget.allowsOrLogs(route.key(), r, o.reqid(), LOG)).toList();
            if (allowed.isEmpty()) {
                release(ledger, claim); // dropped, not delivered: the record must not say it went out
                return;
            }
            sending = new Outgoing(o.reqid(), o.key(), o.subject(), o.template(), o.locale(), o.title(), allowed, o.data(), o.payload());
        }
        SendOutcome outcome = channel.send(sending);
        if (outcome instanceof SendOutcome.Delivered d) {
            if (claim != null) {
                ledger.delivered(claim, LEDGER_PATIENCE);
            }
            LOG.info(() -> o.subject() + " reqid=" + o.reqid() + " " + part + " delivered via " + d.endpoint());
        } else if (outcome instanceof SendOutcome.RetryLater r) {
            release(ledger, claim);
            LOG.warning(() -> o.subject() + " reqid=" + o.reqid() + " " + part + " not delivered, to retry: " + r.reason());
            retries.add(part + ": " + r.reason());
        } else if (outcome instanceof SendOutcome.Failed f) {
            if (!f.maybeSent()) {
                release(ledger, claim); // nothing went out: a person's replay may send it
            }
            LOG.warning(() -> o.subject() + " reqid=" + o.reqid() + " " + part + " failed for good: " + f.reason());
            finals.add(part + ": " + f.reason());
        }
    }

    private static void release(DeliveryLedger ledger, DeliveryLedger.Claim.Fresh claim) {
        if (claim != null) {
            ledger.release(claim, LEDGER_PATIENCE);
        }
    }

    /**
     * The template's values: the payload's fields as they are, and for a payload with
     * {@code httpurl} (KrossIAM's address) that URL checked and without a trailing slash, and
     * {@code identity_url}, the page where a user manages their addresses.
     */
    @SuppressWarnings("unchecked")
    private Map<String, Object> templateData(JsonNode payload) {
        Map<String, Object> data = new HashMap<>();
        json.convertValue(payload, Map.class).forEach((k, v) -> {
            if (v != null) {
                data.put(String.valueOf(k), v);
            }
        });
        if (payload.hasNonNull("httpurl")) {
            String httpurl = MailAddresses.absoluteWebUrl("httpurl", payload.get("httpurl").asText()).toString().replaceAll("/+$", "");
            data.put("httpurl", httpurl);
            data.put("identity_url", httpurl + "/account/identity");
        }
        return data;
    }

    /** A copy whose top-level keys are lower case; of keys differing only in case, the first stays. */
    private ObjectNode lowerCaseKeys(ObjectNode sent) {
        ObjectNode out = json.createObjectNode();
        sent.fields().forEachRemaining(e -> {
            String key = e.getKey().toLowerCase(Locale.ROOT);
            if (!out.has(key)) {
                out.set(key, e.getValue());
            }
        });
        return out;
    }

    /** The values of the named fields, each a string or a list of strings; blank ones left out. */
    private static List<String> recipients(JsonNode payload, List<String> fields) {
        List<String> out = new ArrayList<>();
        for (String field : fields) {
            JsonNode v = payload.get(field.toLowerCase(Locale.ROOT));
            if (v == null) {
                continue;
            }
            if (v.isArray()) {
                v.forEach(e -> {
                    if (e.isValueNode() && !e.asText().isBlank()) {
                        out.add(e.asText());
                    }
                });
            } else if (v.isValueNode() && !v.isNull() && !v.asText().isBlank()) {
                out.add(v.asText());
            }
        }
        return out;
    }
}
