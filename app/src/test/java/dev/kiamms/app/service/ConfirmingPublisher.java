package dev.kiamms.app.service;

import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.mail.AccountAddEmailAudit;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * KrossIAM's audit publisher for fault tests, about 8 audits a second, asking the stream for a
 * receipt; an audit without one (the broker died under it) is sent again with the same reqid and
 * a new time, until the stream confirms it. Which audits were confirmed, and when each was first
 * sent, is what the tests check every outcome against.
 */
final class ConfirmingPublisher implements Runnable {

    private final String[] urls;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<String, Long> confirmed = new ConcurrentHashMap<>();
    private final AtomicInteger resent = new AtomicInteger();
    private volatile Exception failure;

    /** @param urls KrossIAM's broker URLs, any of which it may use */
    ConfirmingPublisher(String... urls) {
        this.urls = urls.clone();
    }

    /** reqid → System.nanoTime of its first sending. */
    Map<String, Long> confirmed() {
        return Map.copyOf(confirmed);
    }

    int resent() {
        return resent.get();
    }

    /** Why the publisher stopped by itself, or null. */
    Exception failure() {
        return failure;
    }

    void stop() {
        running.set(false);
    }

    @Override
    public void run() {
        Options options = KrossIamClient.options(urls[0]).servers(urls).maxReconnects(-1).reconnectWait(Duration.ofMillis(100)).build();
        try (Connection nc = Nats.connect(options)) {
            int i = 0;
            while (running.get()) {
                String reqid = KrossIamClient.newReqid();
                AccountAddEmailAudit audit = AuditFaults.audit(i);
                long firstTry = System.nanoTime();
                // Once sent, an audit is tried until the stream confirms it, also after stop().
                for (int attempt = 0; ; attempt++) {
                    if (attempt > 0) {
                        resent.incrementAndGet();
                    }
                    if (stored(nc, reqid, audit)) {
                        confirmed.put(reqid, firstTry);
                        break;
                    }
                    Thread.sleep(100);
                }
                i++;
                Thread.sleep(125);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failure = e;
        }
    }

    private static boolean stored(Connection nc, String reqid, AccountAddEmailAudit audit) throws InterruptedException {
        try {
            String receipt = AuditFaults.publishWithReceipt(nc, reqid, audit);
            return receipt != null && receipt.contains("\"seq\"") && !receipt.contains("\"error\"");
        } catch (RuntimeException reconnecting) {
            return false;
        }
    }
}
