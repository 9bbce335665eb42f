package dev.kiamms.app.users;

import dev.kiamms.app.broker.BrokerConfigWriter;
import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.broker.ManagedBroker;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Keeps the managed nats-server's users in step with the app users on file: the configuration is
 * written with them at start, and written again and reloaded by nats-server when they change.
 */
public final class BrokerUsers {

    private static final Logger LOG = Logger.getLogger("kiamms.users");
    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(10);

    /** What became of the app users at a reload. */
    public enum Outcome { UNCHANGED, RELOADED, FAILED }

    /** @param message empty when unchanged */
    public record Change(Outcome outcome, String message) {
    }

    private final Path configFile;
    private final BrokerConfigWriter.BrokerLayout layout;
    private final BrokerCredentials credentials;
    private final AppUsers appUsers;
    private final String queueGroup;

    /** @param queueGroup the queue group in which an app answers an action: kiam-ms's own */
    public BrokerUsers(Path configFile, BrokerConfigWriter.BrokerLayout layout, BrokerCredentials credentials, AppUsers appUsers,
                       String queueGroup) {
        this.configFile = configFile;
        this.layout = layout;
        this.credentials = credentials;
        this.appUsers = appUsers;
        this.queueGroup = queueGroup;
    }

    /** Writes nats-server's configuration with the app users on file now; before the broker starts. */
    public void writeConfig() throws IOException {
        BrokerConfigWriter.write(configFile, layout, credentials, asBrokerUsers(appUsers.list()));
    }

    /**
     * Writes the configuration again and, when it changed, has {@code broker} reload it: the
     * connections of users that remain stay open, a removed user's are closed.
     */
    public Change reload(ManagedBroker broker) {
        try {
            List<AppUser> apps = appUsers.list();
            if (!BrokerConfigWriter.write(configFile, layout, credentials, asBrokerUsers(apps))) {
                return new Change(Outcome.UNCHANGED, "");
            }
            broker.reloadConfiguration(RELOAD_TIMEOUT);
            String names = apps.stream().map(AppUser::name).collect(Collectors.joining(", "));
            String message = "broker reloaded its users: " + (names.isEmpty() ? "no app users" : "app users " + names);
            LOG.info(message);
            return new Change(Outcome.RELOADED, message);
        } catch (IOException e) {
            LOG.severe("broker users not reloaded: " + e.getMessage());
            return new Change(Outcome.FAILED, "broker users not reloaded: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Change(Outcome.FAILED, "broker users not reloaded: interrupted");
        }
    }

    private List<BrokerConfigWriter.User> asBrokerUsers(List<AppUser> apps) {
        return apps.stream().map(u -> u.toBrokerUser(queueGroup)).toList();
    }
}
