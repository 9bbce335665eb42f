package dev.kiamms.testing;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fixture itself: other tests rely on it starting a real broker and leaving nothing behind. */
class NatsServerFixtureTest {

    @Test
    void startsARealBrokerThatRoutesMessagesAndStopsItOnClose() throws Exception {
        ProcessHandle process;
        int port;
        try (NatsServerFixture nats = NatsServerFixture.start()) {
            process = nats.process();
            port = nats.port();
            assertTrue(process.isAlive());
            assertEquals("nats://127.0.0.1:" + port, nats.url());
            try (Connection nc = nats.connect()) {
                Subscription sub = nc.subscribe("fixture.echo");
                nc.publish("fixture.echo", "hello".getBytes(StandardCharsets.UTF_8));
                Message m = sub.nextMessage(Duration.ofSeconds(5));
                assertNotNull(m, "published message not delivered by the broker");
                assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), m.getData());
            }
        }
        assertFalse(process.isAlive(), "nats-server still running after close");
        assertThrows(IOException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            }
        }, "port still accepting connections after close");
    }

    @Test
    void appliesConfigTextKeptInAnOwnerOnlyFile() throws Exception {
        String config = """
                authorization {
                  users = [ { user: "kiam", password: "s3cret" } ]
                }
                """;
        Path configFile;
        try (NatsServerFixture nats = NatsServerFixture.start(config)) {
            configFile = nats.configFile().orElseThrow();
            assertEquals(config, Files.readString(configFile));
            if (Files.getFileStore(configFile).supportsFileAttributeView("posix")) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(configFile)));
            }
            // The configuration is in force: no credentials, no connection.
            assertTrue(greetingWithoutCredentials(nats.port()).contains("Authorization Violation"));
            try (Connection nc = Nats.connect(nats.options(nats.url("kiam", "s3cret")).build())) {
                assertEquals(Connection.Status.CONNECTED, nc.getStatus());
            }
        }
        assertFalse(Files.exists(configFile), "temporary config left behind");
    }

    @Test
    void aBadConfigFailsAtStartWithTheServersOwnComplaint() {
        IOException e = assertThrows(IOException.class, () -> NatsServerFixture.start("this is { not a nats config").close());
        // nats-server's own words, so that whoever breaks a test config sees why at once
        assertTrue(e.getMessage().contains("Parse error"), e.getMessage());
    }

    @Test
    void restartKeepsThePortSoClientsReconnect() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start()) {
            long firstPid = nats.process().pid();
            nats.restart();
            assertTrue(nats.isRunning());
            assertTrue(nats.process().pid() != firstPid, "restart did not start a new process");
            try (Connection nc = nats.connect()) {
                assertEquals(Connection.Status.CONNECTED, nc.getStatus());
            }
        }
    }

    /** The broker's answer to a client that sends CONNECT without credentials (raw protocol: jnats retries for seconds). */
    private static String greetingWithoutCredentials(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            s.setSoTimeout(5_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String info = in.readLine();
            assertTrue(info.startsWith("INFO "), info);
            s.getOutputStream().write("CONNECT {\"verbose\":false}\r\nPING\r\n".getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            return in.readLine();
        }
    }

    @Test
    void freePortsAreDistinct() {
        int a = FreePorts.next();
        int b = FreePorts.next();
        assertTrue(a > 0 && b > 0 && a != b, a + " " + b);
    }
}
