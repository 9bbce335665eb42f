package dev.kiamms.iplocation;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PublicAddress promises never to resolve a host name. That is only observable with a resolver
 * that would answer, so a child JVM runs it with a hosts file ({@code jdk.net.hosts.file}) that
 * maps every probed name to a public address: a lookup would turn the name into an accepted address.
 */
class PublicAddressNoLookupTest {

    private static final String PUBLIC = "81.2.69.142";
    // Names, and strings the IPv6 pattern lets through that Java's parser treats as names.
    private static final List<String> PROBES = List.of("example.com", "kiam-ms.test", ".1:2", "..:", ".:.");

    @TempDir
    static Path dir;
    private static final Map<String, String> RESULTS = new HashMap<>();

    @BeforeAll
    static void runProbeWithAnsweringResolver() throws Exception {
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, PUBLIC + " " + String.join(" ", PROBES) + "\n", StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djdk.net.hosts.file=" + hosts,
                "-cp", System.getProperty("java.class.path"),
                Probe.class.getName()));
        cmd.addAll(PROBES);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "probe JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        for (String line : out.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                RESULTS.put(line.substring(0, tab), line.substring(tab + 1));
            }
        }
    }

    @Test
    void theResolverInTheProbeWouldAnswer() {
        // Without this the test below could pass because nothing resolves at all.
        assertEquals("resolver " + PUBLIC, RESULTS.get("control"), RESULTS.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "kiam-ms.test", ".1:2", "..:", ".:."})
    void nameIsRefusedWithoutResolvingIt(String probe) {
        String result = RESULTS.get(probe);
        assertTrue(result != null && result.startsWith("refused") && result.contains("not an IP address"),
                probe + " -> " + result);
    }

    /** Runs in the child JVM: one line per probe, "text TAB accepted addr" or "text TAB refused message". */
    public static final class Probe {
        public static void main(String[] args) throws IOException {
            System.out.println("control\tresolver " + InetAddress.getByName(args[0]).getHostAddress());
            for (String text : args) {
                String result;
                try {
                    result = "accepted " + PublicAddress.parse(text).getHostAddress();
                } catch (IllegalArgumentException e) {
                    result = "refused " + e.getMessage();
                }
                System.out.println(text + "\t" + result);
            }
        }
    }
}
