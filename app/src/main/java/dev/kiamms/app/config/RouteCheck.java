package dev.kiamms.app.config;

import dev.kiamms.route.Route;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the routes say that the rest of the configuration cannot honour: a channel that is not
 * configured, a template that is not in the template folder, a channel without the payload
 * fields of its recipients. For {@code config check} and {@code start}, which refuse with these lines.
 */
public final class RouteCheck {

    private final RouteSettings routes;
    private final ChannelSettings channels;

    public RouteCheck(RouteSettings routes, ChannelSettings channels) {
        this.routes = routes == null ? RouteSettings.none() : routes;
        this.channels = channels == null ? new ChannelSettings(null, null) : channels;
    }

    /**
     * @param templateNames the names in the loaded template folder ({@code MailTemplates.names()})
     * @return one line per problem, each naming the route and what to do; empty when all is well
     */
    public List<String> problems(Set<String> templateNames) {
        List<String> out = new ArrayList<>();
        List<String> known = channels.names();
        for (Route route : routes.routes()) {
            String where = "routes." + route.key();
            boolean usesTemplate = false;
            for (String channel : route.channels()) {
                if (!known.contains(channel)) {
                    out.add(where + " names channel '" + channel + "', which is not configured (configured: "
                            + String.join(", ", known) + "); add it under channels: or remove it from the route");
                    continue;
                }
                if (!channel.equals("webhook")) {
                    usesTemplate = true;
                    if (route.recipientFields(channel).isEmpty()) {
                        out.add(where + " sends by " + channel + " but does not say where the recipients are;"
                                + " add recipients: {" + channel + ": [payload field]}");
                    }
                }
            }
            for (String named : route.recipients().keySet()) {
                if (!route.channels().contains(named)) {
                    out.add(where + ".recipients names channel '" + named + "', which the route does not use");
                }
            }
            if (usesTemplate && route.template().isEmpty()) {
                out.add(where + " has no template; name one of " + new java.util.TreeSet<>(templateNames));
            } else if (usesTemplate && !templateNames.contains(route.template().toLowerCase(Locale.ROOT))) {
                out.add(where + " names template '" + route.template() + "', which is not in the template folder (it has "
                        + new java.util.TreeSet<>(templateNames) + "); add " + route.template() + ".html and .txt there or fix the name");
            }
        }
        return out;
    }
}
