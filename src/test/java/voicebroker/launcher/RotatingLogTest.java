package voicebroker.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import voicebroker.log.Log;

/** The log file a background broker writes: capped, rotated to one .1, whole lines, private, redacted. */
class RotatingLogTest {
    @TempDir
    Path dir;

    @AfterEach
    void backToStandardError() {
        Log.toStandardError();
    }

    @Test
    void staysUnderItsCapKeepsOneOlderFileAndNeverSplitsALine() throws Exception {
        Path file = dir.resolve("broker-8099.log");
        Log.toFile(file, 2048);
        for (int i = 0; i < 200; i++) {
            Log.info("request " + i + " " + "x".repeat(40));
        }
        Path older = dir.resolve("broker-8099.log.1");

        assertTrue(Files.size(file) <= 2048, "current file within the cap");
        assertTrue(Files.size(older) <= 2048, "older file within the cap");
        assertEquals(List.of("broker-8099.log", "broker-8099.log.1"), Files.list(dir).map(p -> p.getFileName().toString()).sorted().toList());
        List<String> lines = Files.readAllLines(file);
        assertTrue(lines.get(lines.size() - 1).contains("request 199 "), "the newest line is in the current file");
        for (String line : Files.readAllLines(older)) {
            assertTrue(line.matches("\\S+ INFO request \\d+ x{40}"), "a whole line: " + line);
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(older)));
    }

    @Test
    void redactsWhatItWrites() throws Exception {
        Path file = dir.resolve("broker.log");
        Log.toFile(file, 1024 * 1024);
        // A key no other test has made a Secret of: those are registered process-wide and redacted whole, while
        // this line must show the pattern redaction of a key the broker never knew.
        String body = "rotatinglog" + Long.toHexString(System.nanoTime()) + "abcdefghijklmnopqrstuvwxyz";
        Log.warn("upstream said: invalid key sk-test-" + body);

        String text = Files.readString(file);
        assertTrue(text.contains("upstream said: invalid key sk-[redacted]"), text);
        assertFalse(text.contains(body));
    }
}
