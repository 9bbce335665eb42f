package dev.kiamms.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Hands out TCP ports on 127.0.0.1 that were free a moment ago. */
public final class FreePorts {

    // The OS may hand the same ephemeral port out again right after we close the probe socket;
    // remembering what this JVM already gave away keeps two fixtures from racing for one port.
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    public static int next() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                port = socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open a probe socket on 127.0.0.1", e);
            }
            if (GIVEN.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no fresh free port found after 50 attempts");
    }
}
