package dev.kiamms.dist;

import dev.kiamms.testing.ProcessTrees;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Debian package, built from the archive by scripts/package-deb, installed, upgraded, removed
 * and purged by dpkg in a throwaway Debian root, where its maintainer scripts really run:
 * scripts/test-deb-package does it and checks files, owners, modes, the conffile, the user, the
 * systemd calls and that {@code kiam-ms version} runs there. It needs root (dpkg in a chroot); the
 * first run makes the cached root in .cache/deb-test-root with debootstrap (about a minute, and
 * Debian's package mirror must be reachable), later runs take about a minute.
 */
class DebianPackageIT {

    private static final long TIMEOUT_MINUTES = 15;

    @Test
    void installsUpgradesRemovesAndPurgesInAThrowawayRoot() throws Exception {
        assumeTrue(isRoot(), "skipped: not root. scripts/test-deb-package runs dpkg in a chroot, which needs root;"
                + " run the suite as root (as CI does) to test the Debian package");
        Path archive = Path.of(System.getProperty("dist.archive"));
        assertTrue(Files.isRegularFile(archive), "archive built: " + archive);
        Path script = Path.of(System.getProperty("kiamms.root")).resolve("scripts/test-deb-package");
        assertTrue(Files.isRegularFile(script), "test script at " + script);

        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), archive.toString()).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            ProcessTrees.kill(p);
            throw new AssertionError("scripts/test-deb-package ran for more than " + TIMEOUT_MINUTES + " minutes:\n"
                    + out.getNow("<no output yet>"));
        }
        String text = out.get(10, TimeUnit.SECONDS);
        // Kept in failsafe-reports/dev.kiamms.dist.DebianPackageIT-output.txt: each check and its timing.
        System.out.print(text);
        assertEquals(0, p.exitValue(), "scripts/test-deb-package failed:\n" + text);
        List<String> lines = text.strip().lines().toList();
        assertTrue(lines.get(lines.size() - 1).contains("passed:"), "the script says it passed:\n" + text);
    }

    private static boolean isRoot() throws Exception {
        Process p = new ProcessBuilder("id", "-u").start();
        String uid = read(p.getInputStream()).strip();
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && uid.equals("0");
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }
}
