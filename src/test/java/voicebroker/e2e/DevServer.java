package voicebroker.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import voicebroker.testkit.BrokerProcess;

/**
 * The example dashboard's real Vite dev server, run as a separate process with a chosen environment (that is
 * where the key and base URL come from: the browser never supplies them).
 */
final class DevServer implements AutoCloseable {
    private final Process process;
    private final int port;
    private final StringBuffer output = new StringBuffer();

    private DevServer(Process process, int port) {
        this.process = process;
        this.port = port;
        Thread reader = new Thread(this::drain, "vite-output");
        reader.setDaemon(true);
        reader.start();
    }

    static Path dashboardDir() {
        return Path.of(System.getProperty("voicebroker.root", ".")).toAbsolutePath().resolve("examples/dashboard");
    }

    /** Starts the example dashboard's Vite on a free port with exactly {@code env} (plus PATH and HOME). */
    static DevServer start(Map<String, String> env) {
        return start(dashboardDir(), env);
    }

    /** Starts Vite in the project {@code dir} on a free port with exactly {@code env} (plus PATH and HOME) and waits until it serves. */
    static DevServer start(Path dir, Map<String, String> env) {
        Path vite = dir.resolve("node_modules/.bin/vite");
        if (!Files.isExecutable(vite)) {
            throw new AssertionError("Vite is not installed in " + dir + "; run scripts/install-test-deps (npm ci in examples/dashboard)");
        }
        int port = BrokerProcess.freePort();
        ProcessBuilder builder = new ProcessBuilder(vite.toString(), "--port", String.valueOf(port), "--strictPort", "--host", "127.0.0.1")
                .directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv("PATH"));
        builder.environment().put("HOME", System.getenv().getOrDefault("HOME", "/tmp"));
        if (System.getenv("JAVA_HOME") != null) {
            builder.environment().put("JAVA_HOME", System.getenv("JAVA_HOME"));
        }
        builder.environment().putAll(env);
        try {
            DevServer server = new DevServer(builder.start(), port);
            server.awaitListening(Duration.ofSeconds(60));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops every broker whose runtime file is in this directory (the plugin started them, not the test). */
    static void stopBrokersIn(Path runtimeDir) {
        try (Stream<Path> files = Files.list(runtimeDir)) {
            for (Path file : files.filter(p -> p.getFileName().toString().matches("broker-\\d+\\.json")).toList()) {
                long pid = new ObjectMapper().readTree(file.toFile()).path("pid").asLong();
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String origin() {
        return "http://127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    String output() {
        return output.toString();
    }

    /** Waits until the dev server printed a line matching {@code pattern}; answers its first match. */
    java.util.regex.Matcher awaitOutput(java.util.regex.Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            java.util.regex.Matcher match = pattern.matcher(output);
            if (match.find()) {
                return match;
            }
            if (!process.isAlive()) {
                throw new AssertionError("vite exited " + process.exitValue() + ": " + output);
            }
            sleep(50);
        }
        throw new AssertionError("vite did not print " + pattern + " within " + timeout + ": " + output);
    }

    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("vite exited " + process.exitValue() + ": " + output);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        throw new AssertionError("vite did not listen within " + timeout + ": " + output);
    }

    private void drain() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                output.append(line).append('\n');
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    private static void sleep(long millis) {
        voicebroker.testkit.Pause.millis(millis);
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
