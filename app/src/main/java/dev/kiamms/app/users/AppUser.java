package dev.kiamms.app.users;

import dev.kiamms.app.broker.BrokerConfigWriter;

import java.util.List;

/**
 * One broker user for an operator's own app. {@code toString} never shows the password.
 *
 * @param created when {@code users add} made it (ISO-8601, UTC)
 */
public record AppUser(String name, List<AppRole> roles, String password, String created) {

    public AppUser {
        roles = List.copyOf(roles);
    }

    public boolean answers() {
        return roles.stream().anyMatch(AppRole::answers);
    }

    public List<String> roleNames() {
        return roles.stream().map(AppRole::name).toList();
    }

    /** This user as the broker configuration lists it; actions are answered in {@code queueGroup}. */
    public BrokerConfigWriter.User toBrokerUser(String queueGroup) {
        List<String> subscriptions = roles.stream().flatMap(r -> r.subscriptions(queueGroup).stream()).distinct().toList();
        List<String> publications = roles.stream().flatMap(r -> r.publications().stream()).distinct().toList();
        return new BrokerConfigWriter.User(name, password, subscriptions, publications);
    }

    @Override
    public String toString() {
        return "AppUser[" + name + " " + roleNames() + "]";
    }
}
