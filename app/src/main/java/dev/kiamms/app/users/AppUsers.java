package dev.kiamms.app.users;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.files.OwnerOnlyFiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The operator's app users, kept in one owner-only JSON file beside the broker credentials. Each
 * change is a read-modify-write under a file lock, so two {@code users add} at once cannot lose
 * one another's user.
 */
public final class AppUsers {

    /** Letters, digits, '.', '_' and '-': safe in nats-server's configuration and in a URL. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final Path file;
    private final ObjectMapper json = new ObjectMapper();

    public AppUsers(Path file) {
        this.file = file;
    }

    /** The users now on file; none when the file does not exist. */
    public List<AppUser> list() throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        OwnerOnlyFiles.requireOwnerOnly(file, "passwords");
        JsonNode root = json.readTree(file.toFile());
        List<AppUser> users = new ArrayList<>();
        for (JsonNode u : root.path("users")) {
            List<AppRole> roles = new ArrayList<>();
            for (JsonNode r : u.path("roles")) {
                try {
                    roles.add(AppRole.parse(r.asText()));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + ": user " + u.path("name").asText() + ": " + e.getMessage());
                }
            }
            users.add(new AppUser(u.path("name").asText(), roles, u.path("password").asText(), u.path("created").asText()));
        }
        return users;
    }

    /**
     * Creates a user with a new random password.
     *
     * @throws IllegalArgumentException when the name is invalid, reserved or taken, or no role is given
     */
    public AppUser add(String name, List<AppRole> roles) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid user name: use up to 64 letters, digits, '.', '_' or '-'");
        }
        if (BrokerCredentials.OWN_USERS.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("'" + name + "' is one of kiam-ms's own users; choose another name");
        }
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("give at least one role with --allow: " + AppRole.CHOICES);
        }
        List<AppRole> distinct = roles.stream().distinct().toList();
        AppUser user = new AppUser(name, distinct, BrokerCredentials.newPassword(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        try (Locked ignored = lock()) {
            List<AppUser> users = new ArrayList<>(list());
            if (users.stream().anyMatch(u -> u.name().equalsIgnoreCase(name))) {
                throw new IllegalArgumentException("user '" + name + "' exists already; remove it first to give it new roles or a new password");
            }
            users.add(user);
            save(users);
        }
        return user;
    }

    /** @return false when there was no such user */
    public boolean remove(String name) throws IOException {
        try (Locked ignored = lock()) {
            List<AppUser> users = new ArrayList<>(list());
            boolean removed = users.removeIf(u -> u.name().equals(name));
            if (removed) {
                save(users);
            }
            return removed;
        }
    }

    private void save(List<AppUser> users) throws IOException {
        ObjectNode root = json.createObjectNode();
        ArrayNode array = root.putArray("users");
        for (AppUser u : users) {
            ObjectNode n = array.addObject();
            n.put("name", u.name());
            u.roleNames().forEach(n.putArray("roles")::add);
            n.put("password", u.password());
            n.put("created", u.created());
        }
        // Durably: a user added (and a password handed out) must survive a power loss.
        OwnerOnlyFiles.writeDurably(file, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    /** Holds the lock file's lock until closed; closing the channel releases it. */
    private Locked lock() throws IOException {
        OwnerOnlyFiles.directory(file.getParent());
        FileChannel channel = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            channel.lock();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new Locked(channel);
    }

    private record Locked(FileChannel channel) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
