package dev.kiamms.bus;

import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.ProtocolVersion;
import dev.kiamms.protocol.Reply;
import dev.kiamms.protocol.Subjects;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.impl.Headers;
import io.nats.client.support.NatsRequestCompletableFuture;
import io.nats.client.support.Status;

import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Talks to the message service the way KrossIAM's Go client does: connection name {@code kiam},
 * inbox prefix {@code kiam._inbox}, JSON envelopes with version, time in microseconds and a
 * dash-less UUID as reqid. Used by {@code send-test}, the tests and the benchmarks.
 */
public final class KrossIamClient implements AutoCloseable {

    /** KrossIAM's own request timeout. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    /** What came back for one request, and how long it took. */
    public record Exchange(String reqid, Reply reply, Duration roundTrip) {
    }

    /** The request could not be answered at all: no responder, time-out or a reply that is not one. */
    public static final class RequestFailed extends IOException {
        public RequestFailed(String message) {
            super(message);
        }
    }

    private final Connection connection;
    private final EnvelopeCodec codec;
    private final MicroClock clock;

    private KrossIamClient(Connection connection, EnvelopeCodec codec, MicroClock clock) {
        this.connection = connection;
        this.codec = codec;
        this.clock = clock;
    }

    /** The connection options KrossIAM uses; {@code url} carries credentials as {@code nats://user:pass@host:port}. */
    public static Options.Builder options(String url) {
        return new Options.Builder()
                .server(url)
                .connectionName("kiam")
                .inboxPrefix(Subjects.INBOX_PREFIX)
                .connectionTimeout(Duration.ofSeconds(10))
                .maxReconnects(-1)
                // Tell a request that timed out from one nobody answers (cancelled at once).
                .useTimeoutException()
                .errorListener(new QuietErrorListener("kiamms.client"));
    }

    public static KrossIamClient connect(String url) throws IOException, InterruptedException {
        return connect(options(url).build());
    }

    public static KrossIamClient connect(Options options) throws IOException, InterruptedException {
        return new KrossIamClient(Nats.connect(options), new EnvelopeCodec(), MicroClock.system());
    }

    public Connection connection() {
        return connection;
    }

    public static String newReqid() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    /** Sends an action request with a well-formed envelope and waits for the reply. */
    public Exchange request(String actionKey, Object payload, Duration timeout) throws IOException, InterruptedException {
        String reqid = newReqid();
        byte[] body = codec.encodeEnvelope(ProtocolVersion.SERVER.toString(), clock.nowMicros(), reqid, payload);
        return requestRaw(Subjects.action(actionKey), body, reqid, timeout);
    }

    /** Sends any body to any subject and reads the reply: for tests of what a broken client might send. */
    public Exchange requestRaw(String subject, byte[] body, String reqid, Duration timeout)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        // The request carries its own timeout: without one jnats cancels it after its clean-up
        // interval, which would look like "no responders".
        CompletableFuture<Message> future;
        try {
            future = connection.requestWithTimeout(subject, body, timeout);
        } catch (IllegalStateException e) {
            // jnats refuses to publish on a closed connection this way
            throw new RequestFailed("request on " + subject + " not sent: the connection to the broker is "
                    + connection.getStatus() + " (" + e.getMessage() + ")");
        }
        Message msg;
        try {
            msg = future.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw noReply(subject, timeout);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) {
                throw noReply(subject, timeout);
            }
            throw new RequestFailed("request on " + subject + " failed: " + e.getCause().getMessage());
        } catch (java.util.concurrent.CancellationException e) {
            // jnats cancels the future both for a 503 "no responders" and when the connection
            // closes with the request pending. Only the first means nobody took it; the second may
            // be a request that was taken and whose reply was lost, and must not look harmless.
            if (future instanceof NatsRequestCompletableFuture nf && nf.wasCancelledClosing()) {
                throw new RequestFailed("request on " + subject + " cancelled: the connection to the broker closed"
                        + " before a reply came (it may have been taken and its reply lost)");
            }
            throw new RequestFailed("no responders on " + subject + ": is kiam-ms running and subscribed to it?");
        }
        Duration roundTrip = Duration.ofNanos(System.nanoTime() - start);
        Headers headers = msg.getHeaders();
        if (msg.isStatusMessage() && msg.getStatus().getCode() == Status.NO_RESPONDERS_CODE) {
            throw new RequestFailed("no responders on " + subject + ": is kiam-ms running and subscribed to it?");
        }
        if (headers != null && msg.getData().length == 0 && msg.isStatusMessage()) {
            throw new RequestFailed("broker answered " + msg.getStatus() + " on " + subject);
        }
        Reply reply;
        try {
            reply = codec.decodeReply(msg.getData());
        } catch (IOException e) {
            throw new RequestFailed("reply on " + subject + " is not a protocol reply: " + e.getMessage());
        }
        return new Exchange(reqid, reply, roundTrip);
    }

    private static RequestFailed noReply(String subject, Duration timeout) {
        return new RequestFailed("no reply on " + subject + " within " + timeout.toSeconds() + " s");
    }

    /** Publishes a fire-and-forget message (audit, notice, log) with a well-formed envelope. */
    public String publish(String subject, Object payload) {
        String reqid = newReqid();
        connection.publish(subject, codec.encodeEnvelope(ProtocolVersion.SERVER.toString(), clock.nowMicros(), reqid, payload));
        return reqid;
    }

    public void flush(Duration timeout) throws TimeoutException, InterruptedException {
        connection.flush(timeout);
    }

    @Override
    public void close() throws InterruptedException {
        connection.close();
    }
}
