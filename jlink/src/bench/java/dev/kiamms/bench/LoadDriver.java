package dev.kiamms.bench;

import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.ProtocolVersion;
import dev.kiamms.protocol.Reply;

import io.nats.client.Connection;
import io.nats.client.Message;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;

/**
 * A closed loop of KrossIAM-like requests: exactly {@code concurrency} requests outstanding, each
 * completion (on jnats' reply thread) records its latency and sends the next one. Requests are
 * encoded as KrossIAM does ({@link EnvelopeCodec#encodeEnvelope}, dash-less UUID reqid, time in
 * microseconds) on a connection built from {@link KrossIamClient#options(String)} (user kiam,
 * inbox prefix kiam._inbox). With several connections (KrossIAM's workers each holding one) the
 * {@code concurrency} loops are spread over them round-robin, each loop staying on its connection.
 *
 * <p>Only completions inside the measurement window count; the latency of each is its own
 * send-to-reply time. Every reply is checked cheaply (status, reqid echoed, code 0) and one in
 * {@value #FULL_CHECK_EVERY} is decoded in full with the protocol codec.
 */
final class LoadDriver {

    static final int FULL_CHECK_EVERY = 64;

    /** The figures of one cell. Latencies in microseconds. */
    record Cell(String scenario, int concurrency, long count, long errors, double seconds, double perSecond,
                double p50us, double p99us, double p999us, double maxUs, double meanUs,
                double requestBytes, double replyBytes, String firstError) {
    }

    private final List<Connection> connections;
    private final String subject;
    private final LongFunction<Object> payloads;
    private final Duration timeout;
    private final EnvelopeCodec codec = new EnvelopeCodec();
    private final MicroClock clock = MicroClock.system();

    LoadDriver(Connection connection, String subject, LongFunction<Object> payloads, Duration timeout) {
        this(List.of(connection), subject, payloads, timeout);
    }

    LoadDriver(List<Connection> connections, String subject, LongFunction<Object> payloads, Duration timeout) {
        this.connections = List.copyOf(connections);
        this.subject = subject;
        this.payloads = payloads;
        this.timeout = timeout;
    }

    /** One run: warm-up, then measurement, then the outstanding requests are let finish. */
    Cell run(String scenario, int concurrency, Duration warmup, Duration measure, int maxSamples)
            throws InterruptedException {
        return run(scenario, concurrency, warmup, measure, maxSamples, () -> { }, () -> { });
    }

    /** As above; {@code onBegin} and {@code onEnd} run at the edges of the measurement window. */
    Cell run(String scenario, int concurrency, Duration warmup, Duration measure, int maxSamples,
             Runnable onBegin, Runnable onEnd) throws InterruptedException {
        Run r = new Run(maxSamples, concurrency);
        for (int i = 0; i < concurrency; i++) {
            r.fire(connections.get(i % connections.size()));
        }
        Thread.sleep(warmup.toMillis());
        onBegin.run();
        r.startNanos = System.nanoTime();
        r.measuring = true;
        long deadline = r.startNanos + measure.toNanos();
        while (System.nanoTime() < deadline && r.samples.get() < maxSamples) {
            Thread.sleep(Math.min(50, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
        }
        r.measuring = false;
        long end = System.nanoTime();
        onEnd.run();
        r.stopping = true;
        if (!r.drained.await(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS)) {
            r.noteError("requests still outstanding " + timeout.toSeconds() + " s after the end of the run");
        }
        int n = Math.min(r.samples.get(), maxSamples);
        long[] lat = Arrays.copyOf(r.latencies, n);
        Arrays.sort(lat);
        double seconds = (end - r.startNanos) / 1e9;
        double sum = 0;
        for (long l : lat) {
            sum += l;
        }
        return new Cell(scenario, concurrency, n, r.errors.get(), seconds, n / seconds,
                pct(lat, 0.50), pct(lat, 0.99), pct(lat, 0.999), n == 0 ? 0 : lat[n - 1] / 1e3,
                n == 0 ? 0 : sum / n / 1e3,
                n == 0 ? 0 : (double) r.requestBytes.get() / n, n == 0 ? 0 : (double) r.replyBytes.get() / n,
                r.firstError.get());
    }

    /** Nearest-rank percentile, in microseconds. */
    static double pct(long[] sortedNanos, double q) {
        if (sortedNanos.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(q * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, i))] / 1e3;
    }

    private final class Run {
        final long[] latencies;
        final AtomicInteger samples = new AtomicInteger();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong requestBytes = new AtomicLong();
        final AtomicLong replyBytes = new AtomicLong();
        final AtomicLong sequence = new AtomicLong();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final AtomicInteger outstanding;
        final CountDownLatch drained = new CountDownLatch(1);
        volatile boolean measuring;
        volatile boolean stopping;
        volatile long startNanos;

        Run(int maxSamples, int concurrency) {
            this.latencies = new long[maxSamples];
            this.outstanding = new AtomicInteger(concurrency);
        }

        void fire(Connection connection) {
            if (stopping) {
                if (outstanding.decrementAndGet() == 0) {
                    drained.countDown();
                }
                return;
            }
            long seq = sequence.getAndIncrement();
            String reqid = KrossIamClient.newReqid();
            byte[] body = codec.encodeEnvelope(ProtocolVersion.SERVER.toString(), clock.nowMicros(), reqid,
                    payloads.apply(seq));
            long t0 = System.nanoTime();
            CompletableFuture<Message> f;
            try {
                f = connection.requestWithTimeout(subject, body, timeout);
            } catch (RuntimeException e) {
                noteError("request could not be sent: " + e);
                if (outstanding.decrementAndGet() == 0) {
                    drained.countDown();
                }
                return;
            }
            f.whenComplete((msg, err) -> completed(connection, seq, reqid, body.length, t0, msg, err));
        }

        void completed(Connection connection, long seq, String reqid, int bodyLength, long t0, Message msg, Throwable err) {
            long t1 = System.nanoTime();
            String problem = err != null ? "no reply: " + err : check(seq, reqid, msg);
            if (measuring && t0 >= startNanos) {
                if (problem != null) {
                    errors.incrementAndGet();
                    noteError(problem);
                } else {
                    int i = samples.getAndIncrement();
                    if (i < latencies.length) {
                        latencies[i] = t1 - t0;
                        requestBytes.addAndGet(bodyLength);
                        replyBytes.addAndGet(msg.getData().length);
                    }
                }
            } else if (problem != null) {
                noteError(problem);
            }
            fire(connection);
        }

        String check(long seq, String reqid, Message msg) {
            if (msg.isStatusMessage()) {
                return "broker status " + msg.getStatus();
            }
            byte[] data = msg.getData();
            if (data == null || data.length == 0) {
                return "empty reply";
            }
            if (seq % FULL_CHECK_EVERY == 0) {
                try {
                    Reply reply = codec.decodeReply(data);
                    if (!reqid.equals(reply.reqid()) || reply.version() == null || reply.version().isEmpty()) {
                        return "proto error: reply reqid " + reply.reqid() + " for " + reqid;
                    }
                    return reply.code() == 0 ? null : "code " + reply.code() + ": " + reply.message();
                } catch (Exception e) {
                    return "reply is not a protocol reply: " + e.getMessage();
                }
            }
            if (indexOf(data, CODE_0) < 0) {
                return "reply code not 0: " + new String(data, StandardCharsets.UTF_8);
            }
            if (indexOf(data, ("\"reqid\":\"" + reqid + "\"").getBytes(StandardCharsets.US_ASCII)) < 0) {
                return "proto error: reqid " + reqid + " not echoed";
            }
            return null;
        }

        void noteError(String problem) {
            firstError.compareAndSet(null, problem);
        }
    }

    private static final byte[] CODE_0 = "\"code\":0,".getBytes(StandardCharsets.US_ASCII);

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0, last = hay.length - needle.length; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
