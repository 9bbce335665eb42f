package dev.kiamms.app.config;

import dev.kiamms.app.KiamMsException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** service.dispatchers_per_action: 0 (the default) means "as many as the cores suit", a count is taken as is, bad values are refused. */
class DispatchersPerActionConfigTest {

    @TempDir
    Path dir;

    private Settings load(String yaml) throws IOException {
        Path f = dir.resolve("kiam-ms.yaml");
        Files.writeString(f, yaml);
        return new ConfigLoader().load(f, true).settings();
    }

    @Test
    void absentIsZeroAndACountIsKept() throws IOException {
        assertEquals(0, Settings.defaults().service().dispatchersPerAction());
        assertEquals(3, load("service:\n  dispatchers_per_action: 3\n").service().dispatchersPerAction());
    }

    @Test
    void aNegativeOrHugeCountIsRefusedInOneLine() {
        for (String bad : new String[]{"-1", "65"}) {
            KiamMsException e = assertThrows(KiamMsException.class, () -> load("service:\n  dispatchers_per_action: " + bad + "\n"));
            assertTrue(e.getMessage().contains("service.dispatchers_per_action"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }
}
