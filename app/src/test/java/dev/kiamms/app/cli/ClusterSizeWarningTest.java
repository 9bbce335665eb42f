package dev.kiamms.app.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config check says plainly what a two-node cluster cannot keep, and when replicas: 1 wastes a larger one. */
class ClusterSizeWarningTest {

    @TempDir
    Path dir;

    private String check(String routes, String jetstream) throws Exception {
        Path config = dir.resolve("kiam-ms.yaml");
        Files.writeString(config, "broker:\n" + jetstream + "  cluster:\n    listen: 127.0.0.1:6222\n    routes:\n" + routes
                + "service:\n  actions:\n    send_verify_email:\n      subscribe: false\n  audits:\n    subscribe: false\n");
        CommandRun r = CommandRun.of("config", "check", config.toString(), "--data", dir.resolve("data").toString());
        assertEquals(0, r.exit(), r.text());
        return r.out();
    }

    @Test
    void twoNodesAreWarnedAboutThreeAreNot() throws Exception {
        String two = check("      - nats-route://10.0.0.2:6222\n", "");
        assertTrue(two.contains("warning: a cluster of 2 nodes keeps one copy of the audit stream") && two.contains("use 3 nodes"), two);
        String three = check("      - nats-route://10.0.0.2:6222\n      - nats-route://10.0.0.3:6222\n", "");
        assertFalse(three.contains("warning: a cluster"), three);
        String oneCopy = check("      - nats-route://10.0.0.2:6222\n      - nats-route://10.0.0.3:6222\n",
                "  jetstream:\n    replicas: 1\n");
        assertTrue(oneCopy.contains("broker.jetstream.replicas is 1 in a cluster of 3 nodes"), oneCopy);
    }
}
