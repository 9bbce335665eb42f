package dev.kiamms.route;

import dev.kiamms.bus.DeliveryLedger;
import dev.kiamms.channel.Channel;
import dev.kiamms.limit.SendBudget;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The built-in route, and the handler a configured route becomes. */
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
     * The handler for one route, with the channels it names.
     *
     * @param channels the channels that exist, by {@link Channel#name()}
     * @param ledgers  the delivery ledger in force, or null while there is none
     * @param budget   the per-recipient limits
     * @throws IllegalArgumentException when the route names a channel that does not exist
     */
    public static RouteHandler handler(Route route, List<Channel> channels, Supplier<DeliveryLedger> ledgers,
                                       SendBudget budget) {
        Map<String, Channel> byName = new LinkedHashMap<>();
        channels.forEach(c -> byName.put(c.name(), c));
        List<Channel> used = new ArrayList<>();
        for (String name : route.channels()) {
            Channel c = byName.get(name);
            if (c == null) { // RouteCheck refuses such a configuration before it gets here
                throw new IllegalArgumentException("routes." + route.key() + " names channel '" + name
                        + "', which is not configured (configured: " + String.join(", ", byName.keySet()) + ")");
            }
            used.add(c);
        }
        return new RouteHandler(route, used, ledgers, budget);
    }
}
