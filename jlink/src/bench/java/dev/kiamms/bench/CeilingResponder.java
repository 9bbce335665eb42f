package dev.kiamms.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The ceiling: the least a responder on the broker can do. It subscribes like kiam-ms does (user
 * mss, one dispatcher, queue group), and answers each request at once with a valid protocol reply
 * (the request's reqid echoed, code 0, a fixed iplocation-sized payload), without decoding JSON.
 * Runs as its own process on the appliance's Java runtime with the launcher's JVM options, so that
 * it stands where kiam-ms stands.
 *
 * <p>Arguments: URL USER PASSWORD SUBJECT QUEUE. Prints "ready" once subscribed and exits when
 * its standard input closes.
 */
public final class CeilingResponder {

    /** What kiam-ms answers for 81.2.69.142 in English: same shape and about the same size. */
    static final String PAYLOAD = "{\"continent\":\"Europe\",\"country\":\"United Kingdom\",\"city\":\"London\","
            + "\"longitude\":-0.0931,\"latitude\":51.5142,\"timezone\":\"Europe/London\"}";

    private static final byte[] REQID = "\"reqid\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEAD = "{\"version\":\"0.1.1\",\"time\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MID = ",\"reqid\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TAIL = ("\",\"code\":0,\"message\":\"ok\",\"payload\":" + PAYLOAD + "}")
            .getBytes(StandardCharsets.US_ASCII);

    private CeilingResponder() {
    }

    public static void main(String[] args) throws Exception {
        Options options = new Options.Builder()
                .server(args[0])
                .userInfo(args[1], args[2])
                .connectionName("bench-ceiling")
                .connectionTimeout(Duration.ofSeconds(5))
                .build();
        Connection nc = Nats.connect(options);
        Dispatcher d = nc.createDispatcher(msg -> {
            String replyTo = msg.getReplyTo();
            if (replyTo != null) {
                nc.publish(replyTo, reply(msg.getData()));
            }
        });
        d.subscribe(args[3], args[4]);
        nc.flush(Duration.ofSeconds(5));
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the harness to close our standard input
        }
        nc.close();
    }

    static byte[] reply(byte[] request) {
        int start = indexOf(request, REQID);
        int from = start < 0 ? 0 : start + REQID.length;
        int to = from;
        while (start >= 0 && to < request.length && request[to] != '"') {
            to++;
        }
        long micros = System.currentTimeMillis() * 1000L;
        ByteArrayOutputStream out = new ByteArrayOutputStream(HEAD.length + MID.length + TAIL.length + 64);
        out.writeBytes(HEAD);
        out.writeBytes(Long.toString(micros).getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(MID);
        out.write(request, from, to - from);
        out.writeBytes(TAIL);
        return out.toByteArray();
    }

    private static int indexOf(byte[] hay, byte[] needle) {
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
