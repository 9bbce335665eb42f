package dev.kiamms.app.service;

import dev.kiamms.app.broker.BrokerCredentials;
import dev.kiamms.app.broker.ManagedBroker;
import dev.kiamms.testing.FreePorts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Appliances joined in one NATS cluster on loopback, each in a JVM of its own (so a node can be
 * killed outright), mailing to one SMTP server; one set of broker users for all, as the operator
 * guide says.
 */
final class TestCluster implements AutoCloseable {

    private static final Path TEMPLATES = Path.of(System.getProperty("kiamms.root"), "conf", "templates");

    final List<ChildAppliance> nodes = new ArrayList<>();
    final List<InstancePaths> paths = new ArrayList<>();
    final int[] ports;

    TestCluster(Path dir, int n, int smtpPort, String extraYaml) throws IOException {
        ports = new int[n];
        int[] routePorts = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = FreePorts.next();
            routePorts[i] = FreePorts.next();
        }
        for (int i = 0; i < n; i++) {
            StringBuilder routes = new StringBuilder();
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    routes.append("      - nats-route://127.0.0.1:").append(routePorts[j]).append('\n');
                }
            }
            Path nodeDir = Files.createDirectories(dir.resolve("node" + i));
            Path config = nodeDir.resolve("kiam-ms.yaml");
            Files.writeString(config, "health:\n  port: 0\nbroker:\n  port: " + ports[i] + "\n  monitor_port: " + FreePorts.next()
                    + "\n  server_name: node" + i + "\n  cluster:\n    name: kiam-test\n    listen: 127.0.0.1:" + routePorts[i]
                    + "\n    routes:\n" + routes + "service:\n  events:\n    subscribe: false\n  logs:\n    subscribe: false\n"
                    + "mail:\n  template_dir: " + TEMPLATES + "\n  mtas:\n    - name: counting\n      host: 127.0.0.1\n"
                    + "      port: " + smtpPort + "\n      sender: noreply@example.com\n" + extraYaml);
            paths.add(InstancePaths.of(config, nodeDir.resolve("data")));
            nodes.add(new ChildAppliance(config, nodeDir.resolve("data"), nodeDir.resolve("console.log")));
        }
        BrokerCredentials.loadOrCreate(paths.get(0).credentialsFile());
        for (InstancePaths p : paths.subList(1, n)) {
            Files.createDirectories(p.brokerDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.copy(paths.get(0).credentialsFile(), p.credentialsFile(), StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    String kiamUrl(int node) throws IOException {
        return AuditFaults.kiamUrl(paths.get(node), ports[node]);
    }

    String[] kiamUrls() throws IOException {
        String[] urls = new String[ports.length];
        for (int i = 0; i < urls.length; i++) {
            urls[i] = kiamUrl(i);
        }
        return urls;
    }

    String mssUrl(int node) throws IOException {
        return "nats://" + BrokerCredentials.MSS + ":" + BrokerCredentials.read(paths.get(0).credentialsFile())
                .password(BrokerCredentials.MSS) + "@127.0.0.1:" + ports[node];
    }

    /**
     * The audit stream with its leader and the delivery records, once the cluster has made them:
     * nodes may say they are ready before they have attached (they answer actions first).
     */
    io.nats.client.api.StreamInfo awaitStream() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (io.nats.client.Connection admin = io.nats.client.Nats.connect(mssUrl(0))) {
            while (true) {
                try {
                    io.nats.client.api.StreamInfo stream = admin.jetStreamManagement().getStreamInfo(dev.kiamms.bus.DurableEvents.STREAM);
                    admin.keyValueManagement().getStatus(dev.kiamms.bus.DeliveryLedger.BUCKET);
                    String leader = stream.getClusterInfo() == null ? null : stream.getClusterInfo().getLeader();
                    if (leader != null && !leader.isEmpty()) {
                        return stream;
                    }
                } catch (IOException | io.nats.client.JetStreamApiException notYet) {
                    if (System.nanoTime() > deadline) {
                        throw notYet;
                    }
                }
                Thread.sleep(250);
            }
        }
    }

    /** The whole node goes: its JVM and its nats-server, both with SIGKILL. */
    void kill(int node) throws Exception {
        ProcessHandle broker = ManagedBroker.readPid(paths.get(node).natsPidFile()).flatMap(ProcessHandle::of).orElseThrow();
        nodes.get(node).kill();
        broker.destroyForcibly();
        broker.onExit().get(10, TimeUnit.SECONDS);
    }

    String consoles() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) {
            out.append("\nnode").append(i).append(" console (tail):\n").append(nodes.get(i).consoleTail(3000));
        }
        return out.toString();
    }

    @Override
    public void close() throws InterruptedException {
        for (ChildAppliance node : nodes) {
            node.close();
        }
    }
}
