package dev.kiamms.dist;

import dev.kiamms.testing.FreePorts;
import dev.kiamms.testing.GeoIpTestData;
import dev.kiamms.testing.ProcessTrees;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The built archive, unpacked and run as an operator runs it: bin/kiam-ms with its own runtime
 * and its own nats-server, on a PATH that has no Java and no nats-server.
 */
class DistributionIT {

    @TempDir
    Path dir;

    private Path home;
    private Path config;
    private int port;
    private int healthPort;
    /** A data directory outside the distribution, as an installed service has; null: the distribution's data/. */
    private Path data;
    private final List<Process> started = new ArrayList<>();
    /** KIAMMS_JAVA_OPTS for the appliance's JVM, as the launcher documents; null: none. */
    private String javaOpts;

    @BeforeEach
    void unpack() throws Exception {
        Path archive = Path.of(System.getProperty("dist.archive"));
        assertTrue(Files.isRegularFile(archive), "archive built: " + archive);
        run(List.of("tar", "-xzf", archive.toString(), "-C", dir.toString()), Map.of(), 60);
        try (Stream<Path> top = Files.list(dir)) {
            home = top.filter(p -> p.getFileName().toString().startsWith("kiam-ms-")).findFirst().orElseThrow();
        }
        port = FreePorts.next();
        healthPort = FreePorts.next();
        config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, "health:\n  port: " + healthPort + "\nbroker:\n  port: " + port + "\n  monitor_port: " + FreePorts.next()
                + "\ngeoip:\n  path: " + GeoIpTestData.city(dir) + "\n");
    }

    @AfterEach
    void killLeftovers() {
        started.forEach(ProcessTrees::kill);
    }

    @Test
    void startStatusSendTestAndStopAsAUserWould() throws Exception {
        Process appliance = start();

        Result status = kiamMs("status", "--config", config.toString());
        assertEquals(0, status.exit, status.text());
        assertTrue(status.out.contains("is running") && status.out.contains("kiam.console.action.iplocation"), status.text());
        // The first command other than start made the class-data archive for this place, quietly.
        assertTrue(Files.size(home.resolve("lib/kiam-ms.jsa")) > 0, "lib/kiam-ms.jsa");
        assertEquals(home.toRealPath() + " " + Files.readString(home.resolve("VERSION")).strip(),
                Files.readString(home.resolve("lib/kiam-ms.jsa.key")).strip());
        assertTrue(status.err.isBlank(), status.text());
        // It orients: which file, which folders, which URLs, where mail goes.
        for (String row : List.of("config       " + config, "data         " + home.resolve("data"), "logs         " + home.resolve("data/logs"),
                "health       http://127.0.0.1:" + healthPort + "/healthz", "metrics      http://127.0.0.1:" + healthPort + "/metrics",
                "mail         outbox " + home.resolve("data/outbox"), "nats://kiam:****@127.0.0.1:" + port)) {
            assertTrue(status.out.contains(row), row + " in " + status.text());
        }
        // The class list was recorded with status against a running appliance: it holds what
        // status reads the broker's monitoring endpoint with, which was ~0.1 s of its time.
        List<String> classes = Files.readAllLines(home.resolve("lib/kiam-ms.classlist"));
        assertTrue(classes.stream().anyMatch(c -> c.startsWith("sun/net/www/protocol/http/HttpURLConnection ")
                || c.equals("sun/net/www/protocol/http/HttpURLConnection")), "HTTP client classes in lib/kiam-ms.classlist");
        assertTrue(classes.stream().anyMatch(c -> c.startsWith("dev/kiamms/app/broker/BrokerMonitor")),
                "BrokerMonitor in lib/kiam-ms.classlist");

        JsonNode json = new ObjectMapper().readTree(kiamMs("status", "--json", "--config", config.toString()).out);
        assertTrue(json.path("running").asBoolean());
        assertTrue(json.path("natsServerVersion").asText().startsWith("2."), json.toString());
        // The broker running is the one the archive records, down to its SHA-256.
        assertEquals(json.path("natsServerVersion").asText(), json.path("bundledNatsServerVersion").asText(), json.toString());
        assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(home.resolve("bin/nats-server")))), json.path("bundledNatsServerSha256").asText());

        Result london = kiamMs("send-test", "iplocation", "81.2.69.142", "--config", config.toString());
        assertEquals(0, london.exit, london.text());
        assertTrue(london.out.contains("code 0") && london.out.contains("London") && london.out.contains("United Kingdom"), london.text());

        Result privateAddress = kiamMs("send-test", "iplocation", "192.168.1.1", "--config", config.toString());
        assertEquals(4, privateAddress.exit, privateAddress.text());
        assertTrue(privateAddress.out.contains("private"), privateAddress.text());

        Map<?, ?> passwords = new ObjectMapper().readValue(home.resolve("data/broker/credentials.json").toFile(), Map.class);
        String kiamPassword = (String) passwords.get("kiam");
        Result kiamConfig = kiamMs("kiam-config", "--config", config.toString());
        assertTrue(kiamConfig.out.contains("nats://kiam:" + kiamPassword + "@127.0.0.1:" + port), kiamConfig.text());

        // Mail on a fresh install: no SMTP server, so the outbox.
        Result mail = kiamMs("send-test", "verify-email", "--to", "someone@example.com", "--config", config.toString());
        assertEquals(0, mail.exit, mail.text());
        List<Path> outbox = emlFiles();
        assertEquals(1, outbox.size());
        String eml = Files.readString(outbox.get(0));
        assertTrue(eml.contains("multipart/alternative") && eml.contains("text/plain") && eml.contains("text/html")
                && eml.contains("Content-ID: <logo>") && eml.contains("To: someone@example.com"), eml);
        assertTrue(mail.out.contains("mail: outbox (" + outbox.get(0) + ")"), "send-test says where the mail went: " + mail.text());
        Result audit = kiamMs("send-test", "audit-add-email", "--mailto", "first@example.com,second@example.com",
                "--config", config.toString());
        assertEquals(0, audit.exit, audit.text());
        assertTrue(audit.out.contains("delivered via outbox"), audit.text());
        assertEquals(2, emlFiles().size());
        // In Chinese, the subject and expiry texts too, since the templates have zh-cn.
        Result chinese = kiamMs("send-test", "verify-email", "--to", "lilei@example.com", "--locale", "zh-cn", "--config", config.toString());
        assertEquals(0, chinese.exit, chinese.text());
        List<Path> three = emlFiles();
        assertEquals(3, three.size());
        Path zh = three.stream().filter(f -> chinese.out.contains(f.toString())).findFirst().orElseThrow(() -> new AssertionError(chinese.text()));
        try (java.io.InputStream in = Files.newInputStream(zh)) {
            jakarta.mail.internet.MimeMessage m = new jakarta.mail.internet.MimeMessage((jakarta.mail.Session) null, in);
            assertEquals("请验证您的电子邮件地址", m.getSubject());
        }
        assertTrue(Files.readString(dir.resolve("start-0.err")).contains("no SMTP server configured"), "start warned");

        Result reload = kiamMs("reload", "--config", config.toString());
        assertEquals(0, reload.exit, reload.text());
        assertTrue(reload.out.startsWith("reloaded "), reload.text());
        // The command went through the reload-request folder; operators and systemd's ExecReload send SIGHUP.
        Path reloadRecord = home.resolve("data/run/reload.json");
        JsonNode byCommand = new ObjectMapper().readTree(reloadRecord.toFile());
        assertEquals(1, byCommand.path("requests").size(), byCommand.toString());
        assertEquals(0, run(List.of("kill", "-HUP", Long.toString(appliance.pid())), Map.of(), 10).exit);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        JsonNode bySignal = byCommand;
        while (bySignal.path("at").equals(byCommand.path("at")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            bySignal = new ObjectMapper().readTree(reloadRecord.toFile());
        }
        assertTrue(bySignal.path("applied").asBoolean() && bySignal.path("requests").isMissingNode(), "SIGHUP reloaded: " + bySignal);
        assertEquals(0, kiamMs("status", "--config", config.toString()).exit, "SIGHUP reloads, it does not stop kiam-ms");

        // The loopback health and metrics endpoint, as a monitoring agent reads it.
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpResponse<String> healthz = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + healthPort + "/healthz")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, healthz.statusCode(), healthz.body());
        String metrics = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + healthPort + "/metrics"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("kiamms_messages_total{subject=\"iplocation\",outcome=\"handled\"} 1"), metrics);
        // Each on its own: an "or" with the broker gauge, which is always 1 here, proved nothing.
        assertTrue(metrics.contains("kiamms_broker_connected 1"), metrics);
        // Two send-tests above: one in English, one in Chinese.
        assertTrue(metrics.contains("kiamms_messages_total{subject=\"sendverifyemail\",outcome=\"handled\"} 2"), metrics);
        // The outbox is not an MTA: a fresh install's mail makes no MTA attempt.
        assertFalse(metrics.contains("kiamms_mail_attempts_total{"), metrics);

        Result version = kiamMs("version");
        assertTrue(version.out.contains("kiam-ms ") && version.out.contains("nats-server: v2.")
                && version.out.matches("(?s).*\\nnats-server sha256 [0-9a-f]{64}\\n.*"), version.text());

        long natsPid = natsServerPid();
        appliance.destroy(); // SIGTERM, as systemd or Ctrl-C would
        assertTrue(appliance.waitFor(30, TimeUnit.SECONDS), "kiam-ms stops on SIGTERM");
        awaitGone(natsPid);
        assertEquals(3, kiamMs("status", "--config", config.toString()).exit, "status says not running");

        // No generated password in any line kiam-ms or nats-server logged, nor in status output.
        try (Stream<Path> logs = Files.list(home.resolve("data/logs"))) {
            for (Path log : logs.toList()) {
                String text = Files.readString(log);
                for (Object pw : passwords.values()) {
                    assertFalse(text.contains((String) pw), log + " contains a password");
                }
            }
        }
        for (Object pw : passwords.values()) {
            assertFalse(status.out.contains((String) pw) || json.toString().contains((String) pw));
        }
    }

    @Test
    void theFirstCommandAtATerminalSaysItIsMakingTheClassDataArchive() throws Exception {
        // script(1) gives the launcher a terminal, as a person typing the command has.
        List<String> version = List.of("script", "-qec", home.resolve("bin/kiam-ms") + " version", "/dev/null");
        Result first = run(version, Map.of(), 60);
        assertEquals(0, first.exit, first.text());
        assertTrue(first.out.contains("making lib/kiam-ms.jsa, the class-data archive") && first.out.contains("done"), first.text());
        assertTrue(Files.size(home.resolve("lib/kiam-ms.jsa")) > 0, "lib/kiam-ms.jsa");
        Result second = run(version, Map.of(), 60);
        assertFalse(second.out.contains("class-data archive"), "said once: " + second.text());
    }

    @Test
    void aStartAfterKill9CleansUpTheOrphanedBroker() throws Exception {
        // A secret in a file every user may read: start says so, with the fix, and starts all the same.
        Files.writeString(config, Files.readString(config) + "  license_key: not-a-real-key\n");
        Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(home.resolve("conf/kiam-ms.yaml"))), "the shipped configuration is not for others");
        Process first = start();
        String warned = Files.readString(dir.resolve("start-0.err"));
        assertTrue(warned.contains("holds the MaxMind licence key (geoip.license_key) but every user on this host may read it; run: chmod o-r "
                + config), warned);
        assertFalse(warned.contains("not-a-real-key"), warned);
        long orphan = natsServerPid();
        first.destroyForcibly(); // kill -9: no shutdown hook runs, nats-server is orphaned
        first.waitFor(10, TimeUnit.SECONDS);
        assertTrue(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false), "nats-server outlived the JVM");

        Process second = start();
        awaitGone(orphan);
        Result london = kiamMs("send-test", "iplocation", "81.2.69.142", "--config", config.toString());
        assertEquals(0, london.exit, london.text());
        second.destroy();
        assertTrue(second.waitFor(30, TimeUnit.SECONDS));
    }

    @Test
    void anUpgradeBesideTheOldVersionKeepsCredentialsJetStreamStateAndConfiguration() throws Exception {
        data = dir.resolve("var-lib-kiam-ms");
        String d = data.toString();
        Process old = start();
        Map<?, ?> passwordsBefore = new ObjectMapper().readValue(data.resolve("broker/credentials.json").toFile(), Map.class);
        Result audit = kiamMs("send-test", "audit-add-email", "--mailto", "a@example.com", "--config", config.toString(), "--data", d);
        assertEquals(0, audit.exit, audit.text());
        old.destroy();
        assertTrue(old.waitFor(30, TimeUnit.SECONDS));

        // The newer build, unpacked beside the old one: a second install folder with its own version.
        Path newer = dir.resolve("kiam-ms-0.1.1-linux-x64");
        run(List.of("cp", "-a", home.toString(), newer.toString()), Map.of(), 60);
        Files.writeString(newer.resolve("VERSION"), "0.1.1\n");
        home = newer;
        start();
        Map<?, ?> passwordsAfter = new ObjectMapper().readValue(data.resolve("broker/credentials.json").toFile(), Map.class);
        assertEquals(passwordsBefore, passwordsAfter, "KrossIAM's credentials survive the upgrade");
        Result after = kiamMs("send-test", "audit-add-email", "--mailto", "b@example.com", "--config", config.toString(), "--data", d);
        assertEquals(0, after.exit, after.text());
        // Had the stream or its consumer been lost, the first audit would be mailed again now.
        try (Stream<Path> files = Files.list(data.resolve("outbox"))) {
            assertEquals(2, files.filter(p -> p.toString().endsWith(".eml")).count(), "each audit mailed once across the upgrade");
        }
        Result status = kiamMs("status", "--json", "--config", config.toString(), "--data", d);
        assertTrue(status.out.contains("kiam-ms-audits"), status.text());
    }

    @Test
    void aBadConfigurationStopsTheStartWithOneLine() throws Exception {
        Files.writeString(config, "broker:\n  port: " + port + "\n  colour: blue\n");
        Result r = kiamMs("start", "--config", config.toString());
        assertEquals(2, r.exit, r.text());
        assertTrue(r.err.contains(config + ":3: broker.colour: unknown key"), r.text());
        assertEquals(1, r.err.strip().lines().count(), "one line: " + r.err);
    }

    /** The README's hand-over example, run as it is written, in the distribution folder: twice, as a reader may. */
    @Test
    void theReadmeWorkedExampleRunsAsWrittenAndAgain() throws Exception {
        String script = readmeBlock("worked-example");
        // The example uses the distribution's own conf/kiam-ms.yaml and data/: give that file the test's ports.
        Path shipped = home.resolve("conf/kiam-ms.yaml");
        Files.writeString(shipped, Files.readString(shipped) + "\n" + Files.readString(config));
        config = shipped;
        start();

        for (int round = 1; round <= 2; round++) {
            Result r = bash(script);
            assertEquals(0, r.exit, "round " + round + ": " + r.text());
            int appAnswer = r.out.indexOf("Our own answer");
            assertTrue(appAnswer >= 0, "round " + round + ": the app answered while iplocation was handed over: " + r.text());
            assertTrue(r.out.indexOf("London", appAnswer) > appAnswer, "round " + round + ": kiam-ms answered again after the hand-back: " + r.text());
            assertTrue(r.err.contains("iplocation-responder: answered 81.2.69.142"), r.text());
            assertTrue(r.out.contains("geo-app (1) connected"), "status showed the app: " + r.text());
            assertFalse(Files.exists(home.resolve("geo-app.env")));
            assertFalse(Files.readString(home.resolve("data/broker/app-users.json")).contains("geo-app"));
        }
        // Idempotent: the second run found the block and flipped it, instead of appending another.
        long serviceBlocks = Files.readAllLines(shipped).stream().filter(l -> l.equals("service:")).count();
        assertEquals(1, serviceBlocks, Files.readString(shipped));
        assertEquals(0, kiamMs("config", "check", "--config", shipped.toString()).exit);
    }

    /** The README's try-it steps, in the distribution folder, with the GeoIP test database the distribution ships. */
    @Test
    void theReadmeTryItUsesTheShippedGeoIpDatabase() throws Exception {
        Path examples = home.resolve("examples/geoip");
        assertTrue(Files.size(examples.resolve("GeoIP2-City-Test.mmdb")) > 0, "the test database ships");
        assertTrue(Files.readString(examples.resolve("LICENSE-MIT.txt")).contains("MaxMind, Inc."), "with its licence");
        assertTrue(Files.readString(examples.resolve("README.md")).contains("MaxMind"), "and its attribution");
        assertFalse(Files.isExecutable(examples.resolve("GeoIP2-City-Test.mmdb")), "data is not made executable");

        // The test's own ports, without its geoip.path: the try-it block must bring the database itself.
        Path shipped = home.resolve("conf/kiam-ms.yaml");
        String ports = Files.readString(config).replaceAll("(?s)geoip:.*", "");
        Files.writeString(shipped, Files.readString(shipped) + "\n" + ports);
        config = shipped;
        start();
        // The block starts with a cd into the unpacked distribution; here we already are in it.
        String script = readmeBlock("try-it").lines().filter(l -> !l.startsWith("cd dist/"))
                .collect(java.util.stream.Collectors.joining("\n"));
        for (int round = 1; round <= 2; round++) {
            Result r = bash(script);
            assertEquals(0, r.exit, "round " + round + ": " + r.text());
            assertTrue(r.out.contains("London") && r.out.contains("林雪平"), r.text());
            assertTrue(r.out.contains("outbox"), "send-test names where the mail went: " + r.text());
        }
        long geoipBlocks = Files.readAllLines(shipped).stream().filter(l -> l.equals("geoip:")).count();
        assertEquals(1, geoipBlocks, Files.readString(shipped));
    }

    /**
     * Mail over TLS from the jlink image itself, to an SMTPS server whose only key is an EC one:
     * only ECDHE-ECDSA suites can be agreed, which the image has only with jdk.crypto.ec (a JDK 17
     * image without it would fail here, while the tests on the build's full JDK would pass).
     */
    @Test
    void theImageMailsOverTlsWithAnEcCertificate() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl makes the test certificate");
        Path key = dir.resolve("smtp.key");
        Path cert = dir.resolve("smtp.pem");
        Path p12 = dir.resolve("smtp.p12");
        char[] password = "changeit".toCharArray();
        assertEquals(0, run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"), Map.of(), 30).exit);
        assertEquals(0, run(List.of("openssl", "pkcs12", "-export", "-inkey", key.toString(), "-in", cert.toString(),
                "-out", p12.toString(), "-passout", "pass:changeit"), Map.of(), 30).exit);
        java.security.KeyStore serverKeys = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(p12)) {
            serverKeys.load(in, password);
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(serverKeys, password);
        javax.net.ssl.SSLContext serverTls = javax.net.ssl.SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        // The image's JVM trusts this certificate through the standard trust-store properties.
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(cert)) {
            trust.setCertificateEntry("smtp", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        Path trustFile = dir.resolve("trust.p12");
        try (var out = Files.newOutputStream(trustFile)) {
            trust.store(out, password);
        }
        try (dev.kiamms.mail.delivery.ScriptedSmtpServer smtps = new dev.kiamms.mail.delivery.ScriptedSmtpServer(serverTls)) {
            Files.writeString(config, Files.readString(config) + "mail:\n  mtas:\n    - name: tls\n      host: 127.0.0.1\n      port: "
                    + smtps.port() + "\n      ssl: true\n      sender: noreply@example.com\n");
            javaOpts = "-Djavax.net.ssl.trustStore=" + trustFile + " -Djavax.net.ssl.trustStorePassword=changeit"
                    + " -Djavax.net.ssl.trustStoreType=PKCS12";
            start();
            Result mail = kiamMs("send-test", "verify-email", "--to", "someone@example.com", "--config", config.toString());
            assertEquals(0, mail.exit, mail.text());
            assertEquals(1, smtps.accepted().size(), "the SMTPS server took the mail: " + mail.text());
            assertTrue(smtps.tlsSessions() >= 1, "over TLS");
        }
    }

    /**
     * The service user's case: the distribution belongs to root and its lib/ is read-only for the
     * user who runs the commands. The launcher must neither try to make its class-data archive
     * there nor use one made for another place, and say nothing about it.
     */
    @Test
    void aReadOnlyInstallWorksForAnUnprivilegedUser() throws Exception {
        Assumptions.assumeTrue("0".equals(run(List.of("id", "-u"), Map.of(), 10).out.strip()), "needs root to become another user");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser")), "needs runuser");
        // Others may pass through the test's folders to the distribution, as to /opt/kiam-ms.
        for (Path p = home; p != null && p.startsWith(dir.getParent()); p = p.getParent()) {
            run(List.of("chmod", "o+rx", p.toString()), Map.of(), 10);
        }
        Path archive = home.resolve("lib/kiam-ms.jsa");
        Files.deleteIfExists(archive);
        Files.deleteIfExists(home.resolve("lib/kiam-ms.jsa.key"));

        Result first = run(List.of("runuser", "-u", "nobody", "--", home.resolve("bin/kiam-ms").toString(), "version"), Map.of(), 60);
        assertEquals(0, first.exit, first.text());
        assertTrue(first.out.contains("kiam-ms "), first.text());
        assertTrue(first.err.isBlank(), "nothing said about the archive: " + first.text());
        assertFalse(Files.exists(archive), "no archive made in a lib/ the user cannot write");

        // An archive made for another place (a moved installation) is not used, and not remade.
        assertEquals(0, kiamMs("version").exit); // as root: makes it for this place
        assertTrue(Files.size(archive) > 0);
        Files.writeString(home.resolve("lib/kiam-ms.jsa.key"), "/elsewhere 0.0.0\n");
        java.nio.file.attribute.FileTime made = Files.getLastModifiedTime(archive);
        Result moved = run(List.of("runuser", "-u", "nobody", "--", home.resolve("bin/kiam-ms").toString(), "version"), Map.of(), 60);
        assertEquals(0, moved.exit, moved.text());
        assertTrue(moved.err.isBlank(), moved.text());
        assertEquals(made, Files.getLastModifiedTime(archive), "the archive of another place is left alone");
    }

    private String readmeBlock(String name) throws IOException {
        String readme = Files.readString(Path.of(System.getProperty("kiamms.root"), "README.md"));
        int begin = readme.indexOf("<!-- " + name + ":begin -->");
        int end = readme.indexOf("<!-- " + name + ":end -->");
        assertTrue(begin >= 0 && end > begin, "the README marks its " + name + " block");
        return readme.substring(begin, end).lines().filter(l -> !l.startsWith("```") && !l.startsWith("<!--"))
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    /** Runs a README block with bash -e in the distribution folder, on the restricted PATH plus the tools a reader has. */
    private Result bash(String script) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-e", "-c", script).directory(home.toFile());
        Process p = pb.start();
        started.add(p);
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the block finishes");
        // Bounded: a child left running with the pipes open would otherwise hang the read.
        return new Result(p.exitValue(), out.get(30, TimeUnit.SECONDS), err.get(30, TimeUnit.SECONDS));
    }

    // --- helpers -------------------------------------------------------------------------------

    /** Starts {@code bin/kiam-ms start} and waits for its ready line. */
    private Process start() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/kiam-ms").toString(), "start", "--config", config.toString()));
        if (data != null) {
            cmd.addAll(List.of("--data", data.toString()));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        restrictEnvironment(pb.environment());
        if (javaOpts != null) {
            pb.environment().put("KIAMMS_JAVA_OPTS", javaOpts);
        }
        pb.redirectError(dir.resolve("start-" + started.size() + ".err").toFile());
        Process p = pb.start();
        started.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.contains(" ready in ")) {
                        return line;
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        String line = ready.get(60, TimeUnit.SECONDS);
        if (line == null) {
            fail("kiam-ms did not become ready: " + Files.readString(dir.resolve("start-" + (started.size() - 1) + ".err")));
        }
        assertTrue(line.contains("nats://kiam:****@127.0.0.1:" + port), line);
        return p;
    }

    private List<Path> emlFiles() throws IOException {
        try (Stream<Path> files = Files.list(home.resolve("data/outbox"))) {
            return files.filter(p -> p.toString().endsWith(".eml")).sorted().toList();
        }
    }

    private long natsServerPid() throws IOException {
        return Long.parseLong(Files.readString(home.resolve("data/broker/nats-server.pid")).strip());
    }

    private static void awaitGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            if (System.nanoTime() > deadline) {
                fail("nats-server pid " + pid + " is still running");
            }
            Thread.sleep(50);
        }
    }

    /** No JDK and no nats-server reachable: only the few tools the launcher script uses. */
    private void restrictEnvironment(Map<String, String> env) throws IOException {
        Path bin = dir.resolve("path-bin");
        if (!Files.isDirectory(bin)) {
            Files.createDirectories(bin);
            // mv and rm: the launcher makes its class-data archive under a temporary name.
            for (String tool : new String[]{"sh", "dirname", "readlink", "mv", "rm"}) {
                Path real = Path.of("/usr/bin", tool);
                Files.createSymbolicLink(bin.resolve(tool), Files.exists(real) ? real : Path.of("/bin", tool));
            }
        }
        env.keySet().removeIf(k -> k.startsWith("JAVA") || k.startsWith("JDK") || k.equals("NATS_SERVER_BIN")
                || k.equals("nats_server_path") || k.equals("CLASSPATH"));
        env.put("PATH", bin.toString());
    }

    private record Result(int exit, String out, String err) {
        String text() {
            return "exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    private Result kiamMs(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("bin/kiam-ms").toString());
        cmd.addAll(List.of(args));
        return run(cmd, null, 60);
    }

    private Result run(List<String> cmd, Map<String, String> extraEnv, int timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (extraEnv == null) {
            restrictEnvironment(pb.environment());
        }
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), out.get(), err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
