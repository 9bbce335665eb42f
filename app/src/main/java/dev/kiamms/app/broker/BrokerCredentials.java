package dev.kiamms.app.broker;

import dev.kiamms.files.OwnerOnlyFiles;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The broker users' passwords, generated on first start and kept owner-only in the data
 * directory. {@code toString} never shows a password.
 */
public final class BrokerCredentials {

    /** KrossIAM's user: publishes requests and events, reads its own replies. */
    public static final String KIAM = "kiam";
    /** kiam-ms's subscribers: read what KrossIAM publishes, answer requests. */
    public static final String MSS = "mss";
    /** {@code kiam-ms tail}: may only read what KrossIAM publishes. */
    public static final String TAIL = "kiam-ms-tail";
    /** Every user kiam-ms makes for itself: an operator's app may not take these names. */
    public static final List<String> OWN_USERS = List.of(KIAM, MSS, TAIL);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, String> passwords;

    private BrokerCredentials(Map<String, String> passwords) {
        this.passwords = Map.copyOf(passwords);
    }

    /** Reads the credentials file, creating it (and any user it lacks) first if needed. */
    public static BrokerCredentials loadOrCreate(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, String> users = new LinkedHashMap<>();
        if (Files.exists(file)) {
            OwnerOnlyFiles.requireOwnerOnly(file, "passwords");
            json.readTree(file.toFile()).fields().forEachRemaining(e -> users.put(e.getKey(), e.getValue().asText()));
        }
        boolean changed = false;
        for (String user : OWN_USERS) {
            String pw = users.get(user);
            if (pw == null || pw.isBlank()) {
                users.put(user, newPassword());
                changed = true;
            }
        }
        if (changed) {
            OwnerOnlyFiles.directory(file.getParent());
            ObjectNode node = json.createObjectNode();
            users.forEach(node::put);
            // Durably: a password handed out must still be valid after a power loss.
            OwnerOnlyFiles.writeDurably(file, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(node));
        }
        return new BrokerCredentials(users);
    }

    /** Reads an existing credentials file; for commands that must not create one. */
    public static BrokerCredentials read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException("no broker credentials at " + file + "; run 'kiam-ms start' once to create them");
        }
        Map<String, String> users = new LinkedHashMap<>();
        new ObjectMapper().readTree(file.toFile()).fields().forEachRemaining(e -> users.put(e.getKey(), e.getValue().asText()));
        return new BrokerCredentials(users);
    }

    /** 24 random bytes, URL-safe so the password can stand in a nats:// URL unescaped. */
    public static String newPassword() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public String password(String user) {
        String pw = passwords.get(user);
        if (pw == null) {
            throw new IllegalArgumentException("no broker user " + user);
        }
        return pw;
    }

    public Map<String, String> all() {
        return passwords;
    }

    @Override
    public String toString() {
        return "BrokerCredentials" + passwords.keySet();
    }
}
