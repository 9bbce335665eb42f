package dev.kiamms.app.broker;

import dev.kiamms.app.KiamMsException;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How kiam-ms's own clients (subscribers, send-test, replay) trust the managed broker's TLS
 * certificate: they trust the configured CA, or, without one, the broker's own certificate, so a
 * self-signed certificate works without touching the system's trust store.
 */
public final class BrokerTls {

    private BrokerTls() {
    }

    public static SSLContext trusting(Path pemFile) {
        try (InputStream in = Files.newInputStream(pemFile)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new KiamMsException(KiamMsException.CONFIG, pemFile + " holds no PEM certificate");
            }
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                trust.setCertificateEntry("broker-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (KiamMsException e) {
            throw e;
        } catch (Exception e) {
            throw new KiamMsException(KiamMsException.CONFIG, "cannot read the certificate " + pemFile + ": " + e.getMessage());
        }
    }
}
