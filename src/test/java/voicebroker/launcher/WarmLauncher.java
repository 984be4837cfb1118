package voicebroker.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A real {@code voice launcher} process driven the way the dev server plugin drives it: JSON lines both ways. */
final class WarmLauncher implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);
    private final Process process;
    private final Path stderr;
    private final OutputStream stdin;
    private final Map<Long, CompletableFuture<JsonNode>> answers = new ConcurrentHashMap<>();
    private final CompletableFuture<JsonNode> ready = new CompletableFuture<>();
    private final AtomicLong ids = new AtomicLong();

    WarmLauncher(VoiceCli voice, Map<String, String> extraEnv) {
        stderr = voice.tempFile("launcher-err");
        process = voice.spawn(extraEnv, stderr, "launcher");
        stdin = process.getOutputStream();
        Thread reader = new Thread(this::readAnswers, "launcher-answers");
        reader.setDaemon(true);
        reader.start();
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    /** The launcher's first line, {@code {"ready":true,"pid":N}}. */
    JsonNode ready() throws Exception {
        return ready.get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends {@code request} (config and request, as the plugin does) with a fresh id; the answer comes later. */
    CompletableFuture<JsonNode> send(ObjectNode request) {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = answers.computeIfAbsent(id, k -> new CompletableFuture<>());
        sendLine(request.deepCopy().put("id", id).toString());
        return answer;
    }

    JsonNode ask(ObjectNode request) throws Exception {
        return send(request).get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Writes one raw line, whatever it holds. */
    void sendLine(String line) {
        try {
            synchronized (stdin) {
                stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The answer with this id, for a line sent with {@link #sendLine}. */
    JsonNode answer(long id) throws Exception {
        return answers.computeIfAbsent(id, k -> new CompletableFuture<>()).get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    String stderr() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "";
        }
    }

    /** Closes its input the way a dev server that goes away does, and waits for it to exit. */
    boolean closeInputAndWait(Duration timeout) throws Exception {
        stdin.close();
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void readAnswers() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                JsonNode message = JSON.readTree(line);
                if (message.path("ready").asBoolean()) {
                    ready.complete(message);
                } else {
                    long id = message.path("id").asLong(-1);
                    answers.computeIfAbsent(id, k -> new CompletableFuture<>()).complete(message);
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        ready.completeExceptionally(new AssertionError("the launcher ended without a ready line: " + stderr()));
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
