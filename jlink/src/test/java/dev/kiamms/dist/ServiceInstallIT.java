package dev.kiamms.dist;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * scripts/install-service with the built archive, into a fake root (--root), so that it neither
 * creates a user nor calls systemctl; and scripts/kiam-ms.service checked by systemd-analyze when
 * that tool is installed. The service itself is not run under systemd here.
 */
class ServiceInstallIT {

    private static final String EXEC_START =
            "ExecStart=/opt/kiam-ms/current/bin/kiam-ms start --config /etc/kiam-ms/kiam-ms.yaml --data /var/lib/kiam-ms";

    @TempDir
    Path dir;

    private Path archive;
    private Path installScript;
    private Path unitTemplate;
    private Path root;
    private String version;

    @BeforeEach
    void setUp() throws Exception {
        archive = Path.of(System.getProperty("dist.archive"));
        assertTrue(Files.isRegularFile(archive), "archive built: " + archive);
        Path scripts = Path.of(System.getProperty("kiamms.root")).resolve("scripts");
        installScript = scripts.resolve("install-service");
        unitTemplate = scripts.resolve("kiam-ms.service");
        assertTrue(Files.isRegularFile(installScript) && Files.isRegularFile(unitTemplate), "scripts in " + scripts);
        root = Files.createDirectory(dir.resolve("root"));
        String top = archive.getFileName().toString().replaceFirst("\\.tar\\.gz$", "");
        Result v = run(List.of("tar", "-xzOf", archive.toString(), top + "/VERSION"));
        assertEquals(0, v.exit, v.text());
        version = v.out.strip();
    }

    @Test
    void installsTheLayoutAndASecondRunChangesNothing() throws Exception {
        Result first = install(archive);
        assertEquals(0, first.exit, first.text());
        // A fake root: the user and systemd steps are only shown.
        assertTrue(first.out.contains("would run: useradd --system") && first.out.contains("would run: systemctl daemon-reload")
                && first.out.contains("would run: systemctl enable"), first.text());
        assertTrue(first.out.contains("kiam-config --config /etc/kiam-ms/kiam-ms.yaml --data /var/lib/kiam-ms"), first.text());

        Path base = root.resolve("opt/kiam-ms");
        Path current = base.resolve("current");
        assertTrue(Files.isSymbolicLink(current), "current is a symlink");
        assertEquals(Path.of("kiam-ms-" + version), Files.readSymbolicLink(current), "relative link to the version");
        Path home = base.resolve("kiam-ms-" + version);
        assertEquals(home.toRealPath(), current.toRealPath());
        for (String exe : List.of("bin/kiam-ms", "bin/nats-server", "runtime/bin/java")) {
            assertTrue(Files.isExecutable(current.resolve(exe)), exe + " executable");
        }
        assertEquals(version, Files.readString(home.resolve("VERSION")).strip());
        assertFalse(Files.exists(home.resolve("data")), "no state in the install directory");

        Path config = root.resolve("etc/kiam-ms/kiam-ms.yaml");
        assertEquals(Files.readString(home.resolve("conf/kiam-ms.yaml")), Files.readString(config), "config from the archive");
        assertEquals("rw-r-----", permissions(config));
        assertEquals("rwxr-x---", permissions(config.getParent()));
        Path data = root.resolve("var/lib/kiam-ms");
        assertTrue(Files.isDirectory(data));
        assertEquals("rwx------", permissions(data));

        List<String> unit = unitLines(root.resolve("etc/systemd/system/kiam-ms.service"));
        for (String expected : List.of(EXEC_START, "ExecReload=/bin/kill -HUP $MAINPID", "User=kiam-ms", "Group=kiam-ms",
                "KillMode=mixed", "SuccessExitStatus=143", "Restart=on-failure", "TimeoutStopSec=40",
                "StateDirectory=kiam-ms", "StateDirectoryMode=0700", "UMask=0077", "NoNewPrivileges=yes",
                "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "WantedBy=multi-user.target")) {
            assertTrue(unit.contains(expected), "unit has " + expected + ": " + unit);
        }
        assertTrue(unit.stream().noneMatch(l -> l.startsWith("MemoryDenyWriteExecute=")), "the JIT needs W+X memory");

        // The operator edits the configuration; the same archive again changes nothing at all.
        Files.writeString(config, "# edited by the operator\ndebug: true\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
        Map<String, String> before = snapshot(root);
        Result second = install(archive);
        assertEquals(0, second.exit, second.text());
        assertTrue(second.out.contains("kiam-ms-" + version + " is already in") && second.out.contains("kept "), second.text());
        assertTrue(second.out.contains("nothing changed") && !second.out.contains("daemon-reload"), second.text());
        assertEquals(before, snapshot(root), "a second run changed files");
        assertTrue(Files.readString(config).endsWith("debug: true\n"), "config not overwritten");
    }

    @Test
    void anUpgradeSwitchesCurrentAndKeepsTheOldVersionForRollback() throws Exception {
        assertEquals(0, install(archive).exit);
        Path base = root.resolve("opt/kiam-ms");
        Path config = root.resolve("etc/kiam-ms/kiam-ms.yaml");
        Files.writeString(config, "debug: true\n");

        // A stand-in for a newer archive: only what install-service looks at.
        Path newer = fakeArchive("9.9.9", "# 9.9.9\n");
        Result upgrade = install(newer);
        assertEquals(0, upgrade.exit, upgrade.text());
        assertTrue(upgrade.out.contains("current -> kiam-ms-9.9.9 (was kiam-ms-" + version), upgrade.text());
        assertEquals(Path.of("kiam-ms-9.9.9"), Files.readSymbolicLink(base.resolve("current")));
        assertTrue(Files.isExecutable(base.resolve("kiam-ms-" + version + "/bin/kiam-ms")), "old version kept");
        assertEquals("debug: true\n", Files.readString(config), "config kept on upgrade");

        // Rollback: the older archive again switches back without unpacking anything.
        Result rollback = install(archive);
        assertEquals(0, rollback.exit, rollback.text());
        assertTrue(rollback.out.contains("already in") && rollback.out.contains("current -> kiam-ms-" + version), rollback.text());
        assertEquals(Path.of("kiam-ms-" + version), Files.readSymbolicLink(base.resolve("current")));

        // A different build under a version already installed is refused, with one line, and nothing moves.
        Result clash = install(fakeArchive("9.9.9", "# another build\n"));
        assertEquals(1, clash.exit, clash.text());
        assertEquals(1, clash.err.strip().lines().count(), clash.text());
        assertTrue(clash.err.contains("kiam-ms-9.9.9 exists and differs"), clash.text());
        assertEquals(Path.of("kiam-ms-" + version), Files.readSymbolicLink(base.resolve("current")));
        try (Stream<Path> left = Files.list(base)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().contains(".partial-")), "no half-unpacked folder left");
        }
    }

    @Test
    void usageErrorsAreOneLine() throws Exception {
        Result none = run(List.of("bash", installScript.toString()));
        assertEquals(2, none.exit, none.text());
        assertEquals(1, none.err.strip().lines().count(), none.text());

        Path notAnArchive = Files.writeString(dir.resolve("not.tar.gz"), "hello\n");
        Result bad = install(notAnArchive);
        assertEquals(1, bad.exit, bad.text());
        assertEquals(1, bad.err.strip().lines().count(), bad.text());
        assertTrue(bad.err.contains("cannot read"), bad.text());

        Result prefix = run(List.of("bash", installScript.toString(), archive.toString(), "--root", root.toString(),
                "--prefix", "opt/relative"));
        assertEquals(2, prefix.exit, prefix.text());

        Result help = run(List.of("bash", installScript.toString(), "--help"));
        assertEquals(0, help.exit);
        assertTrue(help.out.startsWith("usage: install-service ARCHIVE.tar.gz"), help.out);
    }

    /**
     * systemd-analyze verify loads the unit as systemd would and checks that ExecStart exists, so
     * the installed unit is checked with its /opt/kiam-ms/ paths pointed into the fake root. It
     * does not look up User= (systemd 252 verify works offline), so no kiam-ms user is needed.
     * Warnings (an unknown or misspelt key) exit 0, so any line naming the unit fails the test.
     */
    @Test
    void systemdAnalyzeVerifyAcceptsTheUnit() throws Exception {
        assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed");
        assertEquals(0, install(archive).exit);
        Path unit = renderedForVerify();

        Result verify = run(List.of("systemd-analyze", "verify", unit.toString()));
        assertEquals(0, verify.exit, verify.text());
        List<String> aboutOurs = verify.text().lines().filter(l -> l.contains("kiam-ms.service")).toList();
        assertEquals(List.of(), aboutOurs, "systemd-analyze verify: " + verify.text());

        // The same check does catch a misspelt key, so the assertion above means something.
        Path broken = Files.createDirectories(dir.resolve("broken")).resolve("kiam-ms.service");
        Files.writeString(broken, Files.readString(unit).replace("ProtectHome=yes", "ProtectHomes=yes"));
        Result caught = run(List.of("systemd-analyze", "verify", broken.toString()));
        assertTrue(caught.text().contains("ProtectHomes"), "a misspelt key is reported: " + caught.text());
    }

    /** The hardening stays at systemd's "OK" exposure (3.2 with systemd 252) or better. */
    @Test
    void systemdAnalyzeSecurityRatesTheUnitOk() throws Exception {
        assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed");
        assumeTrue(run(List.of("systemd-analyze", "security", "--help")).out.contains("--offline"),
                "this systemd-analyze cannot rate a unit file offline (needs systemd 250 or later)");
        assertEquals(0, install(archive).exit);
        Result security = run(List.of("systemd-analyze", "security", "--offline=true", "--threshold=40", "--no-pager",
                renderedForVerify().toString()));
        String overall = security.out.lines().filter(l -> l.contains("Overall exposure")).findFirst().orElse(security.text());
        assertEquals(0, security.exit, "exposure above 4.0: " + overall);
    }

    // --- helpers -------------------------------------------------------------------------------

    private Result install(Path tarball) throws Exception {
        return run(List.of("bash", installScript.toString(), tarball.toString(), "--root", root.toString()));
    }

    /** The installed unit with /opt/kiam-ms/ pointing into the fake root, as kiam-ms.service in its own folder. */
    private Path renderedForVerify() throws IOException {
        String installed = Files.readString(root.resolve("etc/systemd/system/kiam-ms.service"));
        assertTrue(installed.contains(EXEC_START), installed);
        Path unit = Files.createDirectories(dir.resolve("verify")).resolve("kiam-ms.service");
        Files.writeString(unit, installed.replace("/opt/kiam-ms/", root.resolve("opt/kiam-ms") + "/"));
        return unit;
    }

    /** An archive with only the files install-service checks for, under kiam-ms-VERSION-linux-x64/. */
    private Path fakeArchive(String fakeVersion, String configText) throws Exception {
        Path staging = Files.createDirectories(dir.resolve("fake-" + System.nanoTime()));
        String top = "kiam-ms-" + fakeVersion + "-linux-x64";
        Path home = staging.resolve(top);
        for (String exe : List.of("bin/kiam-ms", "bin/nats-server", "runtime/bin/java")) {
            Path p = home.resolve(exe);
            Files.createDirectories(p.getParent());
            Files.writeString(p, "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("conf/kiam-ms.yaml"), configText);
        Files.writeString(home.resolve("VERSION"), fakeVersion + "\n");
        Path tarball = staging.resolve(top + ".tar.gz");
        Result tar = run(List.of("tar", "-czf", tarball.toString(), "-C", staging.toString(), top));
        assertEquals(0, tar.exit, tar.text());
        return tarball;
    }

    /** Every file and folder under {@code top}: kind, permissions, size, time, link target. */
    private static Map<String, String> snapshot(Path top) throws IOException {
        Map<String, String> entries = new TreeMap<>();
        try (Stream<Path> all = Files.walk(top)) {
            for (Path p : all.toList()) {
                String key = top.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    entries.put(key, "link " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    entries.put(key, "dir " + permissions(p));
                } else {
                    entries.put(key, "file " + permissions(p) + " " + Files.size(p) + " "
                            + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS));
                }
            }
        }
        return entries;
    }

    private static String permissions(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    /** The unit's settings, without comments and blank lines. */
    private static List<String> unitLines(Path unit) throws IOException {
        return Files.readAllLines(unit).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#") && !l.startsWith(";")).toList();
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    private record Result(int exit, String out, String err) {
        String text() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private static Result run(List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command));
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }
}
