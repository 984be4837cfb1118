package voicebroker.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** Child processes a test started itself or through a launcher: their first output line, and cleaning up brokers. */
public final class Processes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Processes() {
    }

    /** The first line the process prints on stdout, or null when it ends first; fails after {@code timeout}. */
    public static String firstLine(Process process, Duration timeout) {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            }).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("no output line within " + timeout, e);
        }
    }

    /** Stops every broker whose runtime file is in {@code runtimeDir} (brokers a launcher started for a test). */
    public static void stopBrokersIn(Path runtimeDir) {
        try (Stream<Path> files = Files.list(runtimeDir)) {
            for (Path file : files.filter(p -> p.getFileName().toString().matches("broker-\\d+\\.json")).toList()) {
                ProcessHandle.of(JSON.readTree(file.toFile()).path("pid").asLong()).ifPresent(ProcessHandle::destroy);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
