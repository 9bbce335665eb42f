package dev.kiamms.app.service;

import dev.kiamms.app.config.Settings;

/** The URL clients on this host use to reach the managed broker. */
public final class BrokerAddress {

    public static final String MASK = "****";

    private BrokerAddress() {
    }

    /** The URL with its password replaced by {@link #MASK}, for output and logs. */
    public static String mask(String url) {
        return url == null ? "" : url.replaceFirst("://([^:/@]+):[^@]*@", "://$1:" + MASK + "@");
    }

    /** @param user {@code null} for a URL without credentials */
    public static String url(Settings.BrokerSettings broker, String user, String password) {
        String host = switch (broker.host()) {
            case "0.0.0.0", "::", "[::]" -> "127.0.0.1";
            default -> broker.host().contains(":") && !broker.host().startsWith("[") ? "[" + broker.host() + "]" : broker.host();
        };
        String auth = user == null ? "" : user + ":" + password + "@";
        return (broker.tls() != null ? "tls://" : "nats://") + auth + host + ":" + broker.port();
    }
}
