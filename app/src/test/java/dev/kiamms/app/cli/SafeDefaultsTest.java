package dev.kiamms.app.cli;

import dev.kiamms.app.broker.BrokerCredentials;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Risky settings are said aloud, with what to do; the commands still work. */
class SafeDefaultsTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        CommandRun r = CommandRun.of(args);
        return new Run(r.exit(), r.out(), r.err());
    }

    @Test
    void configCheckWarnsWhenOthersMayReadAPassword() throws Exception {
        Path config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, """
                mail:
                  mtas:
                    - name: main
                      host: smtp.example.com
                      port: 587
                      sender: kiam@example.com
                      passwd: s3cret
                """);
        String data = dir.resolve("data").toString();
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        Run open = run("config", "check", config.toString(), "--data", data);
        assertEquals(0, open.exit(), "a warning, not a problem: " + open.out());
        assertTrue(open.out().contains("warning: " + config + " holds SMTP passwords (mail.mtas) but every user on this host may read it; "
                + "run: chmod o-r " + config), open.out());
        assertEquals(2, open.out().lines().count(), "OK line and one warning: " + open.out());
        assertFalse(open.out().contains("s3cret"));

        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));
        Run closed = run("config", "check", config.toString(), "--data", data, "--json");
        assertEquals(0, closed.exit(), closed.out());
        assertTrue(closed.out().contains("\"warnings\" : [ ]"), "the service's group may read it: " + closed.out());
    }

    @Test
    void aFileWithoutSecretsMayBeReadByAnyone() throws Exception {
        Path config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, "broker:\n  port: 4222\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        Run r = run("config", "check", config.toString(), "--data", dir.resolve("data").toString());
        assertEquals(0, r.exit());
        assertFalse(r.out().contains("warning"), r.out());
    }

    @Test
    void kiamConfigWarnsThatALoopbackBrokerTakesNoOtherHost() throws Exception {
        Path data = dir.resolve("data");
        BrokerCredentials.loadOrCreate(data.resolve("broker/credentials.json"));
        Path config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, "broker:\n  port: 4222\n");
        Run loopback = run("kiam-config", "--host", "iam-ms.example.com", "--config", config.toString(), "--data", data.toString());
        assertEquals(0, loopback.exit(), loopback.err());
        assertTrue(loopback.out().contains("@iam-ms.example.com:4222"), loopback.out());
        assertTrue(loopback.err().contains("broker.host is 127.0.0.1") && loopback.err().contains("set broker.host"), loopback.err());
        assertEquals(1, loopback.err().lines().count(), loopback.err());

        Run sameHost = run("kiam-config", "--host", "localhost", "--config", config.toString(), "--data", data.toString());
        assertTrue(sameHost.err().isBlank(), "KrossIAM on this host reaches loopback: " + sameHost.err());

        Files.writeString(config, "broker:\n  host: 0.0.0.0\n  port: 4222\n");
        Run reachable = run("kiam-config", "--host", "iam-ms.example.com", "--config", config.toString(), "--data", data.toString());
        assertTrue(reachable.err().isBlank(), reachable.err());
    }

    @Test
    void completionOffersBashAndZshAsItsHelpSays() throws Exception {
        Run help = run("completion", "--help");
        assertTrue(help.out().contains("bash") && help.out().contains("zsh"), help.out());

        Run bash = run("completion", "bash");
        assertEquals(0, bash.exit());
        assertEquals(bash.out(), run("completion").out(), "bash is the default");
        // The script really loads in bash and registers the completion function.
        Path script = dir.resolve("kiam-ms.bash");
        Files.writeString(script, bash.out());
        Process p = new ProcessBuilder("bash", "-c", "source " + script + " && complete -p kiam-ms").redirectErrorStream(true).start();
        String loaded = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), loaded);
        assertTrue(loaded.contains("-F _complete_kiam-ms kiam-ms"), loaded);

        Run zsh = run("completion", "zsh");
        assertEquals(0, zsh.exit(), zsh.err());
        assertTrue(zsh.out().contains("bashcompinit") && zsh.out().contains("_complete_kiam-ms"), zsh.out());

        Run fish = run("completion", "fish");
        assertEquals(2, fish.exit());
        assertTrue(fish.err().contains("choose bash or zsh"), fish.err());
        assertEquals(1, fish.err().strip().lines().count(), fish.err());
    }
}
