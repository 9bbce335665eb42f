package dev.kiamms.mail.delivery;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates, made once per JVM with the JDK's keytool: one for 127.0.0.1/localhost and
 * one for another name (to see host name checks fail), plus a client socket factory that trusts
 * both and GreenMail's own self-signed certificate.
 */
final class TestTls {

    static final char[] PASS = "changeit".toCharArray();

    private static TestTls instance;

    final SSLContext localServer;
    final SSLContext wrongNameServer;
    final SSLSocketFactory clientTrustingTestCerts;

    private TestTls(Path dir) throws Exception {
        KeyStore local = generate(dir.resolve("local.p12"), "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1");
        KeyStore wrong = generate(dir.resolve("wrong.p12"), "CN=wrong.example", "SAN=dns:wrong.example");
        localServer = serverContext(local);
        wrongNameServer = serverContext(wrong);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("local", local.getCertificate("smtp"));
        trust.setCertificateEntry("wrong", wrong.getCertificate("smtp"));
        Certificate greenmail = greenMailCertificate();
        if (greenmail != null) {
            trust.setCertificateEntry("greenmail", greenmail);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        clientTrustingTestCerts = client.getSocketFactory();
    }

    static synchronized TestTls get() throws Exception {
        if (instance == null) {
            // The key stores are read into memory at once; the folder with the private keys is
            // removed right away instead of being left in /tmp by every run.
            Path dir = Files.createTempDirectory("kiamms-tls");
            try {
                instance = new TestTls(dir);
            } finally {
                try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
            }
        }
        return instance;
    }

    private static KeyStore generate(Path file, String dname, String san) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "smtp",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname, "-ext", san, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", new String(PASS),
                "-keypass", new String(PASS)))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + out);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, PASS);
        }
        return ks;
    }

    private static SSLContext serverContext(KeyStore ks) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASS);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** The certificate GreenMail's SMTPS presents (greenmail.p12 in its jar, password changeit). */
    private static Certificate greenMailCertificate() throws Exception {
        try (InputStream in = com.icegreen.greenmail.util.GreenMail.class.getClassLoader()
                .getResourceAsStream("greenmail.p12")) {
            if (in == null) {
                return null;
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASS);
            return ks.getCertificate(ks.aliases().nextElement());
        }
    }
}
