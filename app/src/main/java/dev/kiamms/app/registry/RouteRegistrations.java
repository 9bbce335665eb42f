package dev.kiamms.app.registry;

import dev.kiamms.app.config.Settings;
import dev.kiamms.route.Route;
import dev.kiamms.route.Routes;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

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
        return c -> Routes.handler(route, c.channels(), c::ledger, c.sendBudget());
    }
}
