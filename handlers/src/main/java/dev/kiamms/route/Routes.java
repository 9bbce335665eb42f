package dev.kiamms.route;

import dev.kiamms.bus.DeliveryLedger;
import dev.kiamms.channel.Channel;
import dev.kiamms.pipeline.EventHandler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns configured routes into event handlers, one per route subject. */
public final class Routes {

    /** The key whose mail kiam-ms has always sent; its route applies unless the configuration gives its own. */
    public static final String ACCOUNT_ADD_EMAIL = "accountaddemail";

    private Routes() {
    }

    /** The built-in route: mail the {@code account-add-email} template to the {@code mailto} addresses. */
    public static Route defaultAccountAddEmail() {
        return new Route(ACCOUNT_ADD_EMAIL, Route.Kind.AUDIT, List.of("email"), "account-add-email",
                Map.of("email", List.of("mailto")), "");
    }

    /** The configured routes, and the built-in one when none of them is the audit {@code accountaddemail}. */
    public static List<Route> withDefaults(List<Route> configured) {
        List<Route> all = new ArrayList<>(configured);
        Route builtIn = defaultAccountAddEmail();
        if (all.stream().noneMatch(r -> r.subject().equals(builtIn.subject()))) {
            all.add(builtIn);
        }
        return all;
    }

    /**
     * One handler per route.
     *
     * @param channels the channels that exist, by {@link Channel#name()}
     * @param ledger   records each channel's sends; null: none
     * @throws IllegalArgumentException when a route names a channel that does not exist, or two routes share a subject
     */
    public static List<EventHandler<?>> handlers(List<Route> routes, List<Channel> channels, DeliveryLedger ledger) {
        Map<String, Channel> byName = new LinkedHashMap<>();
        channels.forEach(c -> byName.put(c.name(), c));
        Map<String, Route> bySubject = new LinkedHashMap<>();
        List<EventHandler<?>> out = new ArrayList<>();
        for (Route route : routes) {
            Route clash = bySubject.putIfAbsent(route.subject(), route);
            if (clash != null) {
                throw new IllegalArgumentException("two routes for " + route.subject() + "; keep one");
            }
            List<Channel> used = new ArrayList<>();
            for (String name : route.channels()) {
                Channel c = byName.get(name);
                if (c == null) {
                    throw new IllegalArgumentException("route " + route.key() + " names channel '" + name
                            + "', which is not configured (configured: " + String.join(", ", byName.keySet()) + ")");
                }
                used.add(c);
            }
            out.add(new RouteHandler(route, used, ledger));
        }
        return out;
    }
}
