package voicebroker.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Waits for the child's readiness line on its standard output pipe: the broker prints it once it listens and
 * its runtime file is written, so no polling is needed. The reader closes the pipe as soon as it has the
 * line (the broker writes nothing after it), so the launcher can exit and leave the broker running.
 */
final class ReadinessWatch {
    /** The line {@code voice serve} prints when it is ready (see ServeCommand.READY_PREFIX). */
    static final Pattern READY_LINE = Pattern.compile("voice-broker ready url=(http://\\S+) pid=(\\d+)");

    record ReadyLine(String url, long pid) {
    }

    private ReadinessWatch() {
    }

    /**
     * The readiness line, or empty when standard output ended first (the child exited).
     *
     * @throws TimeoutException when neither happened in time; the caller kills the child, which ends the reader
     */
    static Optional<ReadyLine> await(InputStream stdout, Duration timeout) throws TimeoutException {
        CompletableFuture<Optional<ReadyLine>> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> ready.complete(readUntilReady(stdout)), "broker-readiness");
        reader.setDaemon(true);
        reader.start();
        try {
            return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted");
        } catch (ExecutionException e) {
            return Optional.empty();
        }
    }

    private static Optional<ReadyLine> readUntilReady(InputStream stdout) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                Matcher match = READY_LINE.matcher(line.strip());
                if (match.matches()) {
                    return Optional.of(new ReadyLine(match.group(1), Long.parseLong(match.group(2))));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the pipe broke: the child is gone, which the caller finds out from its exit
        }
        return Optional.empty();
    }
}
