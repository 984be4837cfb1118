package voicebroker.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.RawHttp;

/**
 * One attack ground: a fake upstream and the real broker jar run as a process with the production JVM options
 * ({@code jvm/broker.args}: 128 MiB heap, serial GC), plus what an attacker and a legitimate page need to talk to
 * it. Every answer sent through it is scanned for the fake key and the broker's token as it arrives; on
 * {@link #close()} the broker's output, its log file and its argv are scanned too, and any sighting fails.
 */
final class Arena implements AutoCloseable {
    static final String ORIGIN = "http://localhost:5173";
    static final String KEY = FakeOpenAi.DEFAULT_KEY;
    static final String MINT_PATH = "/v1/realtime/client_secrets";
    private static final ObjectMapper JSON = new ObjectMapper();

    final FakeOpenAi fake;
    final BrokerProcess broker;
    final String token;
    final String host;
    private final String cmdline;
    private final Path logFile;
    private final boolean ownsFake;
    private final Leaks leaks;

    private Arena(FakeOpenAi fake, boolean ownsFake, BrokerProcess broker, Path logFile) {
        this.fake = fake;
        this.ownsFake = ownsFake;
        this.broker = broker;
        this.logFile = logFile;
        this.host = "localhost:" + broker.port();
        this.token = readToken(broker);
        this.cmdline = readCmdline(broker.pid());
        this.leaks = new Leaks("broker pid " + broker.pid(), List.of(KEY, token));
        leaks.scan("argv", cmdline);
    }

    static Builder builder() {
        return new Builder();
    }

    /** A broker with the key, a plain-HTTP fake upstream and generous call rates, so guards are what answer. */
    static Arena start() {
        return builder().start();
    }

    static final class Builder {
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> jvmArgs = new ArrayList<>();
        private FakeOpenAi fake;
        private String baseUrl;
        private boolean key = true;
        private boolean logToFile;

        Builder() {
            env.put("VOICE_CALLS_PER_MINUTE", "100000");
            env.put("VOICE_UPSTREAM_TIMEOUT", "3");
        }

        Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** Use this fake (e.g. the HTTPS variant); the arena closes it. */
        Builder fake(FakeOpenAi upstream) {
            this.fake = upstream;
            return this;
        }

        /** Point OPENAI_BASE_URL somewhere other than a fake (a black hole, a closed port). */
        Builder baseUrl(String url) {
            this.baseUrl = url;
            return this;
        }

        Builder jvmArgs(List<String> args) {
            jvmArgs.addAll(args);
            return this;
        }

        Builder noKey() {
            this.key = false;
            return this;
        }

        /** Log to a file the way a launcher-started broker does (VOICE_LOG_FILE), so the file can be scanned. */
        Builder logToFile() {
            this.logToFile = true;
            return this;
        }

        Arena start() {
            FakeOpenAi upstream = fake != null ? fake : FakeOpenAi.http().start();
            IllegalStateException last = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                Map<String, String> variables = new LinkedHashMap<>(env);
                variables.putIfAbsent("OPENAI_BASE_URL", baseUrl != null ? baseUrl : upstream.baseUrl());
                if (key) {
                    variables.putIfAbsent("OPENAI_API_KEY", KEY);
                }
                variables.putIfAbsent("VOICE_PORT", String.valueOf(BrokerProcess.freePort()));
                Path log = null;
                if (logToFile) {
                    log = tempDir().resolve("broker.log");
                    variables.put("VOICE_LOG_FILE", log.toString());
                }
                List<String> options = new ArrayList<>(productionJvmArgs());
                options.addAll(jvmArgs);
                try {
                    BrokerProcess broker = BrokerProcess.builder().env(variables).jvmArgs(options).start();
                    return new Arena(upstream, true, broker, log);
                } catch (IllegalStateException e) {
                    last = e;
                    if (!String.valueOf(e.getMessage()).contains("port_in_use") || env.containsKey("VOICE_PORT")) {
                        break;
                    }
                }
            }
            upstream.close();
            throw last;
        }
    }

    /** The options {@code ./voice} starts the broker with, so memory numbers mean what users get. */
    static List<String> productionJvmArgs() {
        Path args = Path.of(System.getProperty("voicebroker.root", "."), "jvm", "broker.args");
        try (Stream<String> lines = Files.lines(args)) {
            return lines.map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + args, e);
        }
    }

    private static Path tempDir() {
        try {
            Path dir = Files.createTempDirectory("vb-arena");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- talking to the broker -------------------------------------------------------------------------------

    int port() {
        return broker.port();
    }

    long pid() {
        return broker.pid();
    }

    /** A request with the right Host and nothing else. */
    RawHttp.Request request(String method, String target) {
        return RawHttp.request(method, target).header("Host", host);
    }

    /** What the dashboard sends: right Host, allowed Origin, the token, JSON. */
    RawHttp.Request legit(String method, String target, String jsonBody) {
        RawHttp.Request request = request(method, target).header("Origin", ORIGIN)
                .header("Authorization", "Bearer " + token);
        if (jsonBody != null) {
            request.header("Content-Type", "application/json").body(jsonBody);
        }
        return request;
    }

    RawHttp.Response send(RawHttp.Request request) {
        return send(RawHttp.client(), request);
    }

    RawHttp.Response send(RawHttp.Client client, RawHttp.Request request) {
        return record(client.send("127.0.0.1", port(), request));
    }

    /** Sends exact bytes; answers what came back (status -1 when the broker closed without a word). */
    RawHttp.Response sendRaw(String raw) {
        return sendRaw(raw.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttp.Response sendRaw(byte[] raw) {
        return record(RawHttp.client().timeout(Duration.ofSeconds(15)).send("127.0.0.1", port(), raw));
    }

    /** Scans an answer for the key and the token, and hands it back. */
    RawHttp.Response record(RawHttp.Response response) {
        leaks.scan("response", response.toString());
        return response;
    }

    /** Scans any other text that left the broker (e.g. a body read by another client). */
    void scan(String where, String text) {
        leaks.scan(where, text);
    }

    /** One legitimate mint, as the dashboard does it. */
    RawHttp.Response mint() {
        return send(legit("POST", "/api/session", "{\"voice\":\"marin\"}"));
    }

    /** Mints and asserts it worked: 200 with an {@code ek_} secret. */
    JsonNode assertMints(String when) {
        RawHttp.Response response = mint();
        assertEquals(200, response.status(), "a legitimate mint " + when + ": " + response);
        JsonNode body = response.json();
        assertTrue(body.path("value").asText().startsWith("ek_"), "a legitimate mint " + when + ": " + body);
        return body;
    }

    int upstreamMints() {
        return fake.requestsTo(MINT_PATH).size();
    }

    /**
     * Brings the broker to its steady state before a baseline is taken: the worker pool creates its 16 core threads
     * one per request and keeps them, the upstream client its connection and threads, speech its watchdog. Without
     * this, threads created on first use would read as a leak.
     */
    Vitals warmBaseline() {
        for (int i = 0; i < 24; i++) {
            send(request("GET", "/api/health"));
        }
        assertMints("while warming up");
        RawHttp.Response sample = send(legit("POST", "/api/sample", "{\"voice\":\"marin\"}"));
        assertEquals(200, sample.status(), "a sample while warming up: " + sample.status());
        Vitals.sleep(300);
        return vitals();
    }

    /** What the broker's own process looks like right now. */
    Vitals vitals() {
        return Vitals.of(pid());
    }

    Path logFile() {
        return logFile;
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /** Stops the broker and the fake, then scans everything the broker wrote; a sighting fails the caller. */
    @Override
    public void close() {
        try {
            broker.close();
        } finally {
            if (ownsFake) {
                fake.close();
            }
        }
        leaks.scan("stdout", broker.stdout());
        leaks.scan("stderr (the log)", broker.stderr());
        if (logFile != null) {
            for (Path file : List.of(logFile, logFile.resolveSibling(logFile.getFileName() + ".1"))) {
                if (Files.exists(file)) {
                    try {
                        leaks.scan("log file " + file.getFileName(), Files.readString(file, StandardCharsets.ISO_8859_1));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }
        leaks.assertNone();
    }

    /** Runs {@code check} with this arena and closes it, so a failing check still stops the broker. */
    static void with(Builder builder, Consumer<Arena> check) {
        try (Arena arena = builder.start()) {
            check.accept(arena);
        }
    }

    private static String readToken(BrokerProcess broker) {
        Path file = broker.runtimeDir().resolve("broker-" + broker.port() + ".json");
        try {
            return JSON.readTree(Files.readString(file)).path("token").asText();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the runtime file " + file, e);
        }
    }

    static String readCmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.ISO_8859_1)
                    .replace('\0', ' ');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the broker's argv", e);
        }
    }
}
