package dev.kiamms.app.registry;

import dev.kiamms.app.config.Settings;
import dev.kiamms.channel.Channel;
import dev.kiamms.route.Route;
import dev.kiamms.route.RouteHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Routes as event registrations: the registry is data fixed in code, routes come from the
 * configuration, so each configured route (and the built-in {@code accountaddemail} one) becomes
 * a registration here and joins the registry's events for those settings.
 *
 * <p>An audit route joins the shared audit consumer; a notice route gets a durable consumer of its
 * own, each reqid handled once, while the plain notice recorder still writes it to notices.jsonl.
 */
public final class RouteRegistrations {

    /** A routed notice's durable consumer is this followed by its key. */
    public static final String NOTICE_CONSUMER_PREFIX = "kiam-ms-notice-";

    private RouteRegistrations() {
    }

    /** One registration per route in the settings, the built-in accountaddemail one included unless replaced. */
    public static List<EventRegistration> from(Settings settings) {
        List<EventRegistration> out = new ArrayList<>();
        for (Route route : settings.routes().routes()) {
            out.add(of(route, null));
        }
        return out;
    }

    /** @param sendTest the {@code send-test} subcommand that publishes this route's event, or null */
    public static EventRegistration of(Route route, Class<?> sendTest) {
        boolean audit = route.kind() == Route.Kind.AUDIT;
        boolean needsMail = route.channels().contains("email") || route.channels().contains("sms"); // sms renders a mail template's text
        return new EventRegistration(route.subject(), audit ? EventKind.AUDIT : EventKind.DURABLE_ONCE,
                audit ? null : NOTICE_CONSUMER_PREFIX + route.key(),
                s -> audit ? s.service().audits().subscribe() : s.service().events().subscribe(),
                needsMail, handler(route), sendTest);
    }

    private static Function<HandlerContext, dev.kiamms.pipeline.EventHandler<?>> handler(Route route) {
        return c -> {
            Map<String, Channel> byName = c.channels().stream().collect(Collectors.toMap(Channel::name, ch -> ch));
            List<Channel> used = new ArrayList<>();
            for (String name : route.channels()) {
                Channel channel = byName.get(name);
                if (channel == null) { // RouteCheck refuses such a configuration before this
                    throw new IllegalArgumentException("routes." + route.key() + " names channel '" + name + "', which is not configured");
                }
                used.add(channel);
            }
            return new RouteHandler(route, used, c::ledger, c.sendBudget());
        };
    }
}
