package voicebroker.startup;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import voicebroker.launcher.RuntimeInfo;
import voicebroker.runtime.RuntimeFile;

/**
 * The training run an archive is recorded from: the broker starts on a free loopback port with a throwaway
 * runtime directory, a dummy key and a tiny local fake upstream, gets health checks, preflights, mints, speech
 * and a few refusals, and is stopped politely (the JVM writes the archive at exit).
 */
final class TrainingRun {
    private static final String TRAINING_KEY = "sk-test-training-0000000000000000000000000000";
    private static final String TRAINING_ORIGIN = "http://localhost:5173";
    private static final int TRAINING_MINTS = 200;

    private TrainingRun() {
    }

    /**
     * Runs the broker with the recording options against a local fake upstream, drives the first-request path
     * and stops it politely (the archive is written at exit). Answers whether it ran and exited cleanly.
     */
    static boolean train(ArchiveKey.Jdk jdk, Path jar, List<String> recordOptions, long deadline)
            throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("voice-broker-training",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        HttpServer upstream = TrainingUpstream.start();
        Process broker = null;
        try {
            Path runtimeDir = work.resolve("runtime");
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(jdk.java().toString()));
            command.addAll(recordOptions);
            command.addAll(List.of("-jar", jar.toString(), "serve"));
            ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                    .redirectInput(Redirect.from(new java.io.File("/dev/null")))
                    .redirectError(Redirect.DISCARD);
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(name -> !List.of("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR").contains(name));
            env.put("OPENAI_API_KEY", TRAINING_KEY);
            env.put("OPENAI_BASE_URL", "http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1");
            env.put("VOICE_PORT", Integer.toString(port));
            env.put("VOICE_BIND", "127.0.0.1");
            env.put("VOICE_RUNTIME_DIR", runtimeDir.toString());
            // No VOICE_BROKER_TOKEN: the broker generates one, as it does for most users, and publishes it in its runtime file.
            // VOICE_ALLOWED_ORIGINS is left at its default (TRAINING_ORIGIN is one of them), so the archive holds what
            // parsing the default origins loads: the IPv4 one takes a path of its own.
            env.put("VOICE_CALLS_PER_MINUTE", "100000");
            env.put(StartupArchive.VARIABLE, "0");
            broker = builder.start();
            long started = System.nanoTime();
            if (!awaitReady(broker, deadline)) {
                StartupArchive.trace("training broker never ready", started);
                return false;
            }
            StartupArchive.trace("training broker ready", started);
            Optional<RuntimeInfo> published = RuntimeInfo.read(RuntimeFile.path(runtimeDir, port));
            if (published.isEmpty()) {
                StartupArchive.trace("training broker published no runtime file", started);
                return false;
            }
            exercise("http://127.0.0.1:" + port, published.get().token());
            StartupArchive.trace("training requests done", started);
            broker.destroy();
            if (!broker.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return false;
            }
            int exit = broker.exitValue();
            StartupArchive.trace("training broker exited with " + exit, started);
            return exit == 0 || exit == 143; // 143: SIGTERM, after the shutdown hooks and the archive dump
        } finally {
            if (broker != null && broker.isAlive()) {
                broker.destroyForcibly();
                broker.waitFor(10, TimeUnit.SECONDS);
            }
            upstream.stop(0);
            deleteTree(work);
        }
    }

    /** Reads the broker's stdout until the readiness line (or its end); the rest is drained in the background. */
    private static boolean awaitReady(Process broker, long deadline) {
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(broker.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("voice-broker ready url=")) {
                        ready.complete(true);
                    }
                }
            } catch (IOException e) {
                // the process ended
            } finally {
                ready.complete(false);
            }
        }, "training-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            return ready.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    /** The first-request path and its neighbours: health, preflight, mints in both modes, speech, refusals. */
    private static void exercise(String url, String token) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        send(client, HttpRequest.newBuilder(URI.create(url + "/api/health")).header("Origin", TRAINING_ORIGIN).GET());
        send(client, HttpRequest.newBuilder(URI.create(url + "/api/session")).header("Origin", TRAINING_ORIGIN)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        for (int i = 0; i < TRAINING_MINTS; i++) {
            String body = i % 3 == 0 ? "{\"voice\":\"marin\"}" : i % 3 == 1 ? "{\"voice\":\"cedar\",\"mode\":\"direct\"}" : "{}";
            send(client, post(url + "/api/session", token, body));
            if (i % 50 == 0) {
                send(client, HttpRequest.newBuilder(URI.create(url + "/api/health")).GET());
            }
        }
        send(client, post(url + "/api/tts", token, "{\"input\":\"Hello from the training run.\",\"voice\":\"marin\"}"));
        send(client, post(url + "/api/tts", token, "{\"input\":\"Again, as opus.\",\"voice\":\"cedar\",\"format\":\"opus\",\"speed\":1.25}"));
        send(client, post(url + "/api/sample", token, "{\"voice\":\"marin\"}"));
        // Refusals load the error path: wrong token, unknown field, bad JSON, unknown route, wrong method.
        send(client, post(url + "/api/session", "x".repeat(43), "{}"));
        send(client, post(url + "/api/session", token, "{\"colour\":\"blue\"}"));
        send(client, post(url + "/api/session", token, "{not json"));
        send(client, HttpRequest.newBuilder(URI.create(url + "/nothing-here")).GET());
        send(client, HttpRequest.newBuilder(URI.create(url + "/api/session")).GET());
    }

    private static HttpRequest.Builder post(String url, String token, String json) {
        return HttpRequest.newBuilder(URI.create(url)).header("Origin", TRAINING_ORIGIN)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
    }

    private static void send(HttpClient client, HttpRequest.Builder request) throws IOException, InterruptedException {
        client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            return socket.getLocalPort();
        }
    }


    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a leftover temporary directory is harmless
        }
    }

    /** Just enough of the OpenAI API for the training run, on loopback: client secrets, speech, a models probe. */
    private static final class TrainingUpstream {
        private TrainingUpstream() {
        }

        static HttpServer start() throws IOException {
            // Without it, Nagle's algorithm and delayed ACKs add ~40 ms to every small answer.
            System.setProperty("sun.net.httpserver.nodelay", "true");
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
            server.createContext("/", TrainingUpstream::answer);
            server.start();
            return server;
        }

        private static void answer(HttpExchange exchange) throws IOException {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
                String path = exchange.getRequestURI().getPath();
                if (path.endsWith("/realtime/client_secrets")) {
                    long expires = Instant.now().getEpochSecond() + 600;
                    // Nothing here may share eight characters with TRAINING_KEY ("training" did): the broker would
                    // withhold the answer as one that repeats its key, and the archive would miss a mint's way through.
                    String secret = "ek_warm" + Long.toHexString(System.nanoTime());
                    reply(exchange, 200, "application/json", ("{\"value\":\"" + secret + "\",\"expires_at\":" + expires
                            + ",\"session\":{\"type\":\"realtime\",\"object\":\"realtime.session\",\"model\":\"gpt-realtime\","
                            + "\"instructions\":\"Be brief.\",\"audio\":{\"input\":{\"turn_detection\":{\"type\":\"semantic_vad\"},"
                            + "\"transcription\":{\"model\":\"gpt-4o-mini-transcribe\"}},\"output\":{\"voice\":\"marin\"}}}}")
                            .getBytes(StandardCharsets.UTF_8));
                } else if (path.endsWith("/audio/speech")) {
                    exchange.getResponseHeaders().set("Content-Type", "audio/mpeg");
                    exchange.sendResponseHeaders(200, 0);
                    try (OutputStream out = exchange.getResponseBody()) {
                        byte[] chunk = new byte[16 * 1024];
                        for (int i = 0; i < 8; i++) {
                            out.write(chunk);
                            out.flush();
                        }
                    }
                } else {
                    reply(exchange, 404, "application/json",
                            "{\"error\":{\"message\":\"Not found\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"
                                    .getBytes(StandardCharsets.UTF_8));
                }
            }
        }

        private static void reply(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
            exchange.getResponseHeaders().set("Content-Type", type);
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

}
