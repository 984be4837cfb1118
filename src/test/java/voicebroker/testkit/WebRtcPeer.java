package voicebroker.testkit;

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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real WebRTC stack behind {@link FakeOpenAi}'s calls endpoint: a Node process running
 * {@code src/test/webrtc-peer/peer.mjs} (werift), spoken to in JSON lines over its stdin and stdout. It answers a
 * browser's offer after ICE gathering, completes DTLS, runs the {@code oai-events} data channel and exchanges Opus
 * audio; {@link #stats()} tells what each call saw. Its packages are installed by {@code scripts/install-test-deps}.
 */
final class WebRtcPeer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final OutputStream requests;
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final StringBuffer errors = new StringBuffer();

    private WebRtcPeer(Process process) {
        this.process = process;
        this.requests = process.getOutputStream();
        daemon("webrtc-peer-out", this::readAnswers);
        daemon("webrtc-peer-err", this::readErrors);
    }

    static Path directory() {
        return Path.of(System.getProperty("voicebroker.root", ".")).toAbsolutePath().resolve("src/test/webrtc-peer");
    }

    static WebRtcPeer start() {
        Path dir = directory();
        if (!Files.isDirectory(dir.resolve("node_modules/werift"))) {
            throw new IllegalStateException("werift is not installed in " + dir
                    + "; run scripts/install-test-deps (npm ci in src/test/webrtc-peer)");
        }
        try {
            WebRtcPeer peer = new WebRtcPeer(new ProcessBuilder("node", "peer.mjs").directory(dir.toFile()).start());
            peer.ready.get(30, TimeUnit.SECONDS);
            return peer;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node for the WebRTC peer", e);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the WebRTC peer did not start: " + e, e);
        }
    }

    /** The SDP answer for this offer, on a call that will greet the browser with {@code session}. */
    String answer(String callId, String offer, JsonNode session) {
        ObjectNode request = JSON.createObjectNode().put("op", "answer").put("call", callId).put("offer", offer);
        request.set("session", session);
        return send(request).path("answer").asText();
    }

    /** Per call id: state, channelOpen, micPackets, micBytes, sentPackets, clientEvents (types, in order). */
    JsonNode stats() {
        return send(JSON.createObjectNode().put("op", "stats")).path("calls");
    }

    /** Ends every call from the server's side, as the API does when a session ends. */
    void hangUpAll() {
        send(JSON.createObjectNode().put("op", "hangup"));
    }

    private JsonNode send(ObjectNode request) {
        long id = ids.incrementAndGet();
        request.put("id", id);
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            synchronized (requests) {
                requests.write((request + "\n").getBytes(StandardCharsets.UTF_8));
                requests.flush();
            }
            JsonNode result = answer.get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (result.has("error")) {
                throw new IllegalStateException("WebRTC peer: " + result.path("error").asText());
            }
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("the WebRTC peer is gone: " + errors, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the WebRTC peer did not answer: " + errors, e);
        } finally {
            pending.remove(id);
        }
    }

    private void readAnswers() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                JsonNode message = JSON.readTree(line);
                if (message.path("ready").asBoolean()) {
                    ready.complete(null);
                }
                CompletableFuture<JsonNode> waiting = pending.get(message.path("id").asLong(-1));
                if (waiting != null) {
                    waiting.complete(message);
                }
            }
        } catch (IOException ended) {
            // the process ended
        }
        ready.completeExceptionally(new IllegalStateException("node exited: " + errors));
        pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("node exited: " + errors)));
    }

    private void readErrors() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (errors.length() < 16_000) {
                    errors.append(line).append('\n');
                }
            }
        } catch (IOException ended) {
            // the process ended
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Closing stdin ends the process; it is killed if it lingers. */
    @Override
    public void close() {
        try {
            requests.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
