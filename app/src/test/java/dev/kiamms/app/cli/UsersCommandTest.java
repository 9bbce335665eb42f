package dev.kiamms.app.cli;

import dev.kiamms.files.OwnerOnlyFiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiam-ms users} with no appliance running: the file changes, the broker takes it at the next start. */
class UsersCommandTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private Run run(String... args) throws Exception {
        Path config = dir.resolve("kiam-ms.yaml");
        if (!Files.exists(config)) {
            Files.writeString(config, "health:\n  port: 0\n");
        }
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--config";
        all[args.length + 1] = config.toString();
        all[args.length + 2] = "--data";
        all[args.length + 3] = dir.resolve("data").toString();
        CommandRun r = CommandRun.of(all);
        return new Run(r.exit(), r.out(), r.err());
    }

    @Test
    void addShowsThePasswordOnceListNeverAndRemoveDeletes() throws Exception {
        Run add = run("users", "add", "sms-sender", "--allow", "notice-reader", "--json");
        assertEquals(0, add.exit(), add.err());
        JsonNode created = new ObjectMapper().readTree(add.out());
        String password = created.path("password").asText();
        assertTrue(password.length() >= 32, add.out());
        assertEquals("notice-reader", created.path("roles").path(0).asText());
        assertTrue(created.path("url").asText().startsWith("nats://sms-sender:" + password + "@"), add.out());
        assertFalse(created.path("running").asBoolean(), add.out());
        assertTrue(created.path("message").asText().contains("next 'kiam-ms start'"));

        Path file = dir.resolve("data/broker/app-users.json");
        assertTrue(OwnerOnlyFiles.isOwnerOnly(file));

        Path env = dir.resolve("geo-app.env");
        Run geo = run("users", "add", "geo-app", "--allow", "action:iplocation,log-reader", "--env-file", env.toString());
        assertEquals(0, geo.exit(), geo.err());
        assertTrue(OwnerOnlyFiles.isOwnerOnly(env));
        String envLine = Files.readString(env).strip();
        assertTrue(envLine.startsWith("NATS_URL=nats://geo-app:") && geo.out().contains(envLine.substring("NATS_URL=".length())),
                envLine + " vs " + geo.out());
        Run again = run("users", "add", "other", "--allow", "log-reader", "--env-file", env.toString());
        assertEquals(2, again.exit(), "an existing env file is never overwritten");
        Run list = run("users", "list");
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().contains("sms-sender") && list.out().contains("notice-reader"), list.out());
        assertTrue(list.out().contains("geo-app") && list.out().contains("action:iplocation, log-reader"), list.out());
        assertFalse(list.out().contains(password), "list never shows a password");
        assertFalse(run("users", "list", "--json").out().contains(password));

        assertEquals(0, run("users", "remove", "sms-sender").exit());
        Run after = run("users", "list", "--json");
        assertFalse(after.out().contains("sms-sender"), after.out());
        assertTrue(after.out().contains("geo-app"));
    }

    @Test
    void badNamesRolesAndDuplicatesAreRefusedWithTheReason() throws Exception {
        Run role = run("users", "add", "x", "--allow", "admin");
        assertEquals(2, role.exit());
        assertTrue(role.err().contains("unknown role 'admin'") && role.err().contains("notice-reader"), role.err());

        Run reserved = run("users", "add", "kiam", "--allow", "notice-reader");
        assertEquals(2, reserved.exit());
        assertTrue(reserved.err().contains("kiam-ms's own users"), reserved.err());

        Run wildcard = run("users", "add", "y", "--allow", "action:>");
        assertEquals(2, wildcard.exit());
        assertTrue(wildcard.err().contains("not a valid action role"), wildcard.err());

        Run badName = run("users", "add", "a b", "--allow", "notice-reader");
        assertEquals(2, badName.exit());

        assertEquals(0, run("users", "add", "twice", "--allow", "audit-reader").exit());
        Run twice = run("users", "add", "twice", "--allow", "audit-reader");
        assertEquals(2, twice.exit());
        assertTrue(twice.err().contains("exists already"), twice.err());

        Run missing = run("users", "remove", "nobody");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("no app user nobody"), missing.err());
    }

    @Test
    void configCheckNamesAUsersFileOthersMayRead() throws Exception {
        assertEquals(0, run("users", "add", "sms", "--allow", "notice-reader").exit());
        assertEquals(0, run("config", "check").exit());
        Path file = dir.resolve("data/broker/app-users.json");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Run check = run("config", "check");
        assertEquals(2, check.exit(), check.out());
        assertTrue(check.out().contains("app-users.json") && check.out().contains("chmod 600"), check.out());
    }

    @Test
    void anExternalBrokerHasNoAppUsersHere() throws Exception {
        Files.writeString(dir.resolve("kiam-ms.yaml"), "broker:\n  embedded: false\nbrokers: [\"nats://mss:pw@nats.example.com:4222\"]\n");
        Run r = run("users", "add", "sms", "--allow", "notice-reader");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("create app users on your own NATS servers"), r.err());
    }
}
