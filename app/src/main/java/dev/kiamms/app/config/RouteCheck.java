package dev.kiamms.app.config;

import dev.kiamms.route.Route;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the routes say that the rest of the configuration cannot honour: a channel that is not
 * configured, a template that is not in the template folder, a channel without the payload
 * fields of its recipients. For {@code config check} and {@code start}, which refuse with these lines.
 */
public final class RouteCheck {

    /** One problem: the dotted key at fault ({@code routes.userlogin.channels}) and what is wrong there. */
    public record Finding(String key, String what) {
        /** {@code key: what}, for a reader without the file. */
        public String describe() {
            return key + ": " + what;
        }
    }

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
        return findings(templateNames).stream().map(Finding::describe).toList();
    }

    /**
     * @param templateNames the names in the loaded template folder; null when it could not be
     *                      loaded (that is reported on its own), so templates are not checked
     */
    public List<Finding> findings(Set<String> templateNames) {
        List<Finding> out = new ArrayList<>();
        List<String> known = channels.names();
        for (Route route : routes.routes()) {
            String where = "routes." + route.key();
            boolean usesTemplate = false;
            for (String channel : route.channels()) {
                if (!known.contains(channel)) {
                    out.add(new Finding(where + ".channels", "names channel '" + channel + "', which is not configured (configured: "
                            + String.join(", ", known) + "); add it under channels: or remove it from the route"));
                    continue;
                }
                if (!channel.equals("webhook")) {
                    usesTemplate = true;
                    if (route.recipientFields(channel).isEmpty()) {
                        out.add(new Finding(where, "sends by " + channel + " but does not say where the recipients are;"
                                + " add recipients: {" + channel + ": [payload field]}"));
                    }
                }
            }
            for (String named : route.recipients().keySet()) {
                if (!route.channels().contains(named)) {
                    out.add(new Finding(where + ".recipients", "names channel '" + named + "', which the route does not use"));
                }
            }
            if (templateNames == null || !usesTemplate) {
                continue;
            }
            if (route.template().isEmpty()) {
                out.add(new Finding(where, "has no template; add template: with one of " + new TreeSet<>(templateNames)));
            } else if (!templateNames.contains(route.template().toLowerCase(Locale.ROOT))) {
                out.add(new Finding(where + ".template", "names template '" + route.template()
                        + "', which is not in the template folder (it has " + new TreeSet<>(templateNames) + "); add "
                        + route.template() + ".html and .txt there or fix the name"));
            }
        }
        return out;
    }
}
