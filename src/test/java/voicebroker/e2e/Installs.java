package voicebroker.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the install tests share: the repository root and build outputs, and running a user's command (npm, mvn,
 * javac) to completion in a folder with its output kept for the failure message.
 */
final class Installs {
    private Installs() {
    }

    static Path root() {
        return Path.of(System.getProperty("voicebroker.root", ".")).toAbsolutePath().normalize();
    }

    static Path runnableJar() {
        return Path.of(System.getProperty("voicebroker.jar", root().resolve("target/voice-broker.jar").toString()));
    }

    /** Runs {@code argv} in {@code dir} with the caller's environment plus {@code env}; its output, or an AssertionError. */
    static String run(Path dir, Map<String, String> env, Duration timeout, String... argv) {
        ProcessBuilder builder = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            StringBuilder output = new StringBuilder();
            Thread reader = new Thread(() -> {
                try {
                    output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException ended) {
                    // the process is gone; what was read is kept
                }
            });
            reader.start();
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", argv) + " did not finish within " + timeout);
            }
            reader.join(5000);
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", argv) + " exited " + process.exitValue() + ":\n" + output);
            }
            return output.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static List<String> lines(String output) {
        List<String> lines = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (!line.isBlank()) {
                lines.add(line.strip());
            }
        }
        return lines;
    }
}
