package voicebroker.adversarial;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Publishes measured results (load numbers, memory, timings) on standard output and appends them to
 * {@code target/adversarial-results.txt}, the file docs/SECURITY.md tells readers to look at after a run.
 */
final class Report {
    private Report() {
    }

    private static boolean started;

    static synchronized void line(String topic, String text) {
        String line = "[adversarial] " + topic + ": " + text;
        System.out.println(line);
        Path file = Path.of(System.getProperty("voicebroker.root", "."), "target", "adversarial-results.txt");
        try {
            Files.createDirectories(file.getParent());
            // The first line of a test run starts the file afresh; later lines are appended.
            Files.writeString(file, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    started ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            started = true;
        } catch (IOException e) {
            System.out.println("[adversarial] (could not write " + file + ": " + e + ")");
        }
    }
}
