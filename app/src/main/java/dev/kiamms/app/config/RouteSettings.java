package dev.kiamms.app.config;

import dev.kiamms.route.Route;
import dev.kiamms.route.Routes;

import com.fasterxml.jackson.annotation.JsonCreator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code routes:} section: for each notice or audit key, the channels, the template and the
 * payload fields holding each channel's recipients. The built-in {@code accountaddemail} route
 * (mail to {@code mailto}) applies unless this section has its own for that audit.
 */
public record RouteSettings(Map<String, Entry> byKey) {

    /** One route as written under its key. {@code subject}: the title when the payload has none. */
    public record Entry(String kind, List<String> channels, String template, Map<String, List<String>> recipients, String subject) {
    }

    public RouteSettings {
        byKey = byKey == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byKey));
        routes(byKey); // each route's own mistakes, named by key, at load time
    }

    /** The YAML gives the map itself, not an object holding it. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static RouteSettings of(Map<String, Entry> byKey) {
        return new RouteSettings(byKey);
    }

    public static RouteSettings none() {
        return new RouteSettings(Map.of());
    }

    /** The configured routes and, unless one replaces it, the built-in accountaddemail route. */
    public List<Route> routes() {
        return Routes.withDefaults(routes(byKey));
    }

    private static List<Route> routes(Map<String, Entry> byKey) {
        List<Route> out = new ArrayList<>();
        byKey.forEach((key, e) -> {
            if (e == null) {
                throw new IllegalArgumentException("routes." + key + " is empty; give it channels, e.g. channels: [email]");
            }
            try {
                out.add(new Route(key, Route.Kind.parse(e.kind()), e.channels(), e.template(), e.recipients(), e.subject()));
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("routes." + key + ": " + bad.getMessage());
            }
        });
        return out;
    }
}
