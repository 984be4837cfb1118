package voicebroker.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.statistics.Statistics;
import voicebroker.error.ErrorCode;

/**
 * A property-based fuzzer for the whole request pipeline (jqwik). Each try takes a valid request (a mint, a
 * health read or a preflight, as the dashboard sends them) and breaks it in exactly one way, drawn from the
 * ways hostile clients break requests: foreign, missing or doubled Host and Origin; wrong, missing or doubled
 * tokens; wrong media types; lying or conflicting framing headers; bad methods, versions and targets; control
 * characters, folded and oversized headers; hostile JSON; bare line ends; truncation; flipped bits; noise.
 * The request is sent raw on its own connection, then the client half-closes.
 *
 * <p>What must hold for every one: the broker answers with one of its own codes at that code's status, or the
 * JDK server refuses it with its fixed page, or the connection closes; never a 500, never a piece of the key
 * or token, never an upstream call that did not end in a delivered secret. Afterwards the broker still mints
 * and has leaked no descriptors or threads. The seed is fixed so a run is reproducible; the soak variant
 * draws fresh seeds and many more tries.
 */
class RequestFuzzIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Arena arena;
    private static Vitals baseline;
    private static final Map<String, AtomicInteger> OUTCOMES = new ConcurrentHashMap<>();
    private static final AtomicInteger MINTS_DELIVERED = new AtomicInteger();
    private static final AtomicInteger AUDIO_DELIVERED = new AtomicInteger();
    private static final AtomicInteger TRIES = new AtomicInteger();

    @BeforeContainer
    static void start() {
        arena = Arena.start();
        baseline = arena.warmBaseline();
    }

    @AfterContainer
    static void stop() {
        if (arena != null) {
            arena.close();
        }
    }

    @BeforeProperty
    void reset() {
        arena.fake.clear();
        OUTCOMES.clear();
        MINTS_DELIVERED.set(0);
        AUDIO_DELIVERED.set(0);
        TRIES.set(0);
    }

    @AfterProperty
    void theBrokerSurvivedUnchanged() {
        Report.line("fuzzer", TRIES.get() + " malformed requests: " + new TreeMap<>(OUTCOMES));
        assertEquals(MINTS_DELIVERED.get(), arena.upstreamMints(), "every upstream mint ended in a delivered secret");
        assertEquals(AUDIO_DELIVERED.get(), arena.fake.requestsTo("/v1/audio/speech").size(), "every speech call ended in audio");
        assertTrue(arena.broker.isAlive(), "the broker is still running");
        arena.assertMints("after the fuzzer");
        Vitals after = Vitals.awaitSettled(arena.pid(), baseline, 4, 4, Duration.ofSeconds(25));
        Report.line("fuzzer", "broker before " + baseline + ", after " + after);
    }

    @Property(tries = 10_000, seed = "4242424242", shrinking = ShrinkingMode.BOUNDED)
    void malformedRequestsAreRefusedNeverServedAndNeverCrashTheBroker(@ForAll("malformed") Malformed request) {
        check(request);
    }

    @Property(tries = 200_000, shrinking = ShrinkingMode.BOUNDED)
    @AddLifecycleHook(Soak.OnlyWhenSoaking.class)
    void soakManyMoreMalformedRequestsWithFreshSeeds(@ForAll("malformed") Malformed request) {
        check(request);
    }

    private static void check(Malformed request) {
        TRIES.incrementAndGet();
        Raw answer = exchange(request.bytes());
        String outcome = judge(request, answer);
        OUTCOMES.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
        Statistics.collect(request.defect());
    }

    /** Checks one answer; returns a short name of the outcome for the statistics. */
    private static String judge(Malformed request, Raw answer) {
        arena.scan("fuzzer answer", answer.text());
        if (answer.status() < 0) {
            return "closed";
        }
        int status = answer.status();
        assertFalse(status >= 500 && status != 501 && status != 502 && status != 503 && status != 504,
                "a server error for " + request + " → " + answer.text());
        String code = codeOf(answer.body());
        if (code != null) {
            assertTrue(Answers.CODES.contains(code), "unknown code " + code + " for " + request);
            assertFalse(code.equals("internal"), "the broker failed on " + request + " → " + answer.text());
            int expected = ErrorCode.valueOf(code.toUpperCase(Locale.ROOT)).status();
            assertTrue(status == expected || code.equals("bad_host") && status == 400,
                    code + " with status " + status + " for " + request);
            assertTrue(answer.head().toLowerCase(Locale.ROOT).contains("x-content-type-options: nosniff"), answer.text());
            return code;
        }
        if (status >= 200 && status < 300) {
            if (answer.body().contains("\"value\":\"ek_")) {
                MINTS_DELIVERED.incrementAndGet();
                return "2xx mint (the defect was tolerated: " + request.defect() + ")";
            }
            if (answer.head().toLowerCase(Locale.ROOT).contains("content-type: audio/")) {
                AUDIO_DELIVERED.incrementAndGet();
                return "2xx audio";
            }
            assertTrue(answer.body().isEmpty() || answer.body().contains("\"ok\":true"), "an unexpected success: " + answer.text());
            return "2xx health or preflight";
        }
        // The JDK server's own refusals, before any broker code: a fixed page, nothing reflected.
        assertTrue(status == 400 || status == 404 || status == 413 || status == 501 || status == 505,
                "status " + status + " for " + request + " → " + answer.text());
        assertTrue(answer.body().isEmpty() || answer.body().startsWith("<h1>"), answer.text());
        return "jdk " + status;
    }

    private static String codeOf(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.path("error").isTextual() ? node.get("error").asText() : null;
        } catch (IOException notJson) {
            return null;
        }
    }

    /** What came back: status -1 when nothing did. */
    record Raw(int status, String head, String body) {
        String text() {
            return head + "\r\n\r\n" + body;
        }
    }

    /** Sends the bytes on a fresh connection, half-closes, and reads until the broker closes (5 s at most). */
    private static Raw exchange(byte[] bytes) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", arena.port()), 5_000);
            socket.setSoTimeout(5_000);
            try {
                OutputStream out = socket.getOutputStream();
                out.write(bytes);
                out.flush();
                socket.shutdownOutput();
            } catch (IOException closedEarly) {
                // the broker may hang up before reading everything (oversized headers): read what it said
            }
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n = in.read(buffer); n >= 0 && received.size() < 1 << 20; n = in.read(buffer)) {
                    received.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException | java.net.SocketException cutOrSilent) {
                // what arrived is what we judge
            }
            return parse(received.toString(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new AssertionError("cannot reach the broker at all", e);
        }
    }

    private static Raw parse(String text) {
        if (!text.startsWith("HTTP/1.")) {
            assertTrue(text.isEmpty(), "not HTTP: " + text);
            return new Raw(-1, "", "");
        }
        int split = text.indexOf("\r\n\r\n");
        String head = split < 0 ? text : text.substring(0, split);
        String body = split < 0 ? "" : text.substring(split + 4);
        String[] statusLine = head.split("\r\n", 2)[0].split(" ");
        int status = Integer.parseInt(statusLine[1]);
        // Only the first answer is judged here (a request can smuggle a second one in; all of it was scanned).
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)$").matcher(head);
        if (status == 204 || status == 304) {
            body = "";
        } else if (length.find()) {
            body = body.substring(0, Math.min(body.length(), Integer.parseInt(length.group(1))));
        }
        return new Raw(status, head, body);
    }

    // ---- generating malformed requests ------------------------------------------------------------------------

    /** One broken request: which defect it has, and its exact bytes. */
    record Malformed(String defect, byte[] bytes) {
        @Override
        public String toString() {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            return defect + ": " + (text.length() > 300 ? text.substring(0, 300) + "… (" + text.length() + " bytes)" : text);
        }
    }

    /** A request as parts, so one part at a time can be broken. */
    private static final class Parts {
        String method;
        String target;
        String version = "HTTP/1.1";
        final List<String[]> headers = new ArrayList<>();
        String body = "";
        String eol = "\r\n";
        boolean autoLength = true;

        Parts header(String name, String value) {
            headers.add(new String[] {name, value});
            return this;
        }

        void remove(String name) {
            headers.removeIf(h -> h[0].equalsIgnoreCase(name));
        }

        void replace(String name, String value) {
            remove(name);
            header(name, value);
        }

        byte[] render() {
            StringBuilder text = new StringBuilder(method).append(' ').append(target).append(' ').append(version).append(eol);
            for (String[] header : headers) {
                text.append(header[0]).append(": ").append(header[1]).append(eol);
            }
            if (autoLength && !body.isEmpty() && headers.stream().noneMatch(h -> h[0].equalsIgnoreCase("content-length")
                    || h[0].equalsIgnoreCase("transfer-encoding"))) {
                text.append("Content-Length: ").append(body.getBytes(StandardCharsets.ISO_8859_1).length).append(eol);
            }
            return text.append(eol).append(body).toString().getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    private static Parts base(int kind) {
        Parts parts = new Parts();
        switch (kind) {
            case 0 -> {
                parts.method = "GET";
                parts.target = "/api/health";
                parts.header("Host", arena.host).header("Origin", Arena.ORIGIN);
            }
            case 1 -> {
                parts.method = "OPTIONS";
                parts.target = "/api/session";
                parts.header("Host", arena.host).header("Origin", Arena.ORIGIN).header("Access-Control-Request-Method", "POST")
                        .header("Access-Control-Request-Headers", "authorization,content-type");
            }
            default -> {
                parts.method = "POST";
                parts.target = "/api/session";
                parts.header("Host", arena.host).header("Origin", Arena.ORIGIN).header("Authorization", "Bearer " + arena.token)
                        .header("Content-Type", "application/json");
                parts.body = "{\"voice\":\"marin\",\"mode\":\"companion\"}";
            }
        }
        return parts;
    }

    private static final List<String> DEFECTS = List.of("host-foreign", "host-missing", "host-doubled", "origin-foreign",
            "origin-doubled", "token-wrong", "token-missing", "token-doubled", "content-type", "content-length", "transfer-encoding",
            "method", "version", "target", "header-bytes", "header-oversized", "body-json", "line-ends", "truncated", "bit-flips",
            "noise");

    @Provide
    Arbitrary<Malformed> malformed() {
        Arbitrary<String> defect = Arbitraries.of(DEFECTS);
        Arbitrary<Integer> kind = Arbitraries.integers().between(0, 5);
        Arbitrary<String> junk = Arbitraries.strings().withCharRange((char) 0, (char) 255).ofMinLength(0).ofMaxLength(40);
        Arbitrary<Integer> pick = Arbitraries.integers().between(0, 1_000_000);
        Arbitrary<Integer> size = Arbitraries.integers().between(0, 70_000);
        return Combinators.combine(defect, kind, junk, pick, size).as(RequestFuzzIT::breakOne);
    }

    private static <T> T choose(List<T> options, int pick) {
        return options.get(Math.floorMod(pick, options.size()));
    }

    private static Malformed breakOne(String defect, int kind, String junk, int pick, int size) {
        Parts parts = base(kind);
        int port = arena.port();
        switch (defect) {
            case "host-foreign" -> parts.replace("Host", choose(List.of("attacker.example:" + port, "0.0.0.0:" + port, "localhost.:" + port,
                    "127.1:" + port, "[::ffff:127.0.0.1]:" + port, "localhost", "localhost:" + (port + 1), junk, "localhost:" + port + junk), pick));
            case "host-missing" -> parts.remove("Host");
            case "host-doubled" -> parts.header("Host", choose(List.of(arena.host, "attacker.example", junk), pick));
            case "origin-foreign" -> parts.replace("Origin", choose(List.of("null", "http://localhost:3000", "https://attacker.example",
                    Arena.ORIGIN + "/", Arena.ORIGIN + ".attacker.example", junk, "HTTP://LOCALHOST:5173"), pick));
            case "origin-doubled" -> parts.header("Origin", choose(List.of(Arena.ORIGIN, "https://attacker.example", junk), pick));
            case "token-wrong" -> parts.replace("Authorization", choose(List.of("Bearer " + junk, "Bearer " + arena.token + junk + "x",
                    "Basic " + arena.token, arena.token, "Bearer", "Bearer " + arena.token.substring(1)), pick));
            case "token-missing" -> {
                parts.remove("Authorization");
                parts.header(choose(List.of("Cookie", "X-Token", "Proxy-Authorization"), pick), "Bearer " + arena.token);
                parts.target = parts.target + (pick % 2 == 0 ? "?token=" + arena.token : "");
            }
            case "token-doubled" -> parts.header("Authorization", choose(List.of("Bearer " + arena.token, "Bearer " + junk), pick));
            case "content-type" -> parts.replace("Content-Type", choose(List.of("text/plain", "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=x", "application/json; charset=latin1", "application/jsonx", "text/json",
                    "application/json, text/plain", junk, "application/json;" + junk), pick));
            case "content-length" -> {
                parts.autoLength = false;
                int length = parts.body.length();
                parts.header("Content-Length", choose(List.of(String.valueOf(length + 1 + pick % 50), String.valueOf(Math.max(0, length - 1 - pick % 5)),
                        "-1", "+" + length, "0x10", "99999999999999999999", junk, length + ", " + length), pick));
                if (pick % 3 == 0) {
                    parts.header("Content-Length", String.valueOf(length + pick % 7));
                }
            }
            case "transfer-encoding" -> {
                parts.autoLength = pick % 2 == 0;
                parts.header("Transfer-Encoding", choose(List.of("chunked", "identity", "chunked, identity", "gzip, chunked", "xchunked",
                        " chunked", "CHUNKED", junk), pick));
                if (pick % 3 == 0) {
                    parts.body = Integer.toHexString(parts.body.length() + pick % 3) + "\r\n" + parts.body + "\r\n0\r\n\r\n";
                }
            }
            case "method" -> parts.method = choose(List.of("PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "get", "P0ST", "", "GET POST",
                    "PRI", junk.replace(' ', '_'), "POST\u0000"), pick);
            case "version" -> parts.version = choose(List.of("HTTP/1.0", "HTTP/2.0", "HTTP/0.9", "HTTP/1.1 x", "http/1.1", "HTTP/11", "",
                    "HTTP/1.1\u0000", junk), pick);
            case "target" -> parts.target = choose(List.of("*", "http://localhost:" + port + parts.target, "//attacker.example" + parts.target,
                    parts.target + "/", parts.target.toUpperCase(Locale.ROOT), parts.target + "%00", parts.target + ";x=1", "/api/../api/session",
                    "/api/%zz", "/" + junk, parts.target + "#frag", "/" + "a".repeat(Math.min(size, 70_000)), "localhost:" + port, "api/session"), pick);
            case "header-bytes" -> parts.header(choose(List.of("X-Junk", "X Junk", "X-Junk\r\nInjected", "", "X-Junk\u0000", "X-Ü"), pick),
                    choose(List.of(junk, junk + "\r\n folded", "\u0000", "a\rb", "\u00ff\u00fe"), pick / 7));
            case "header-oversized" -> parts.header(choose(List.of("Cookie", "X-Big", "Origin", "Authorization"), pick), "b".repeat(8 * 1024 + size));
            case "body-json" -> parts.body = choose(List.of("{", "[]", "null", "\"x\"", "{\"voice\":\"marin\",\"voice\":\"cedar\"}",
                    "{\"key\":\"sk-test-from-a-page-000000\"}", "{\"apiKey\":\"x\"}", "{\"unknown\":1}", "{\"voice\":" + "[".repeat(40 + pick % 40) + "}",
                    "{\"voice\":\"" + junk.replace("\"", "") + "\"}", "{\"mode\":\"../../etc\"}", "{\"voice\":1e99999}", "{}{}",
                    "{\"voice\":\"" + "v".repeat(Math.min(size, 20_000)) + "\"}", junk), pick);
            case "line-ends" -> parts.eol = choose(List.of("\n", "\r", "\n\r", "\r\r\n"), pick);
            case "truncated" -> {
                byte[] full = parts.render();
                return new Malformed(defect, java.util.Arrays.copyOf(full, Math.floorMod(pick, Math.max(1, full.length - 1))));
            }
            case "bit-flips" -> {
                byte[] full = parts.render();
                java.util.Random random = new java.util.Random(pick);
                for (int i = 0; i <= pick % 4; i++) {
                    full[random.nextInt(full.length)] ^= (byte) (1 << random.nextInt(8));
                }
                return new Malformed(defect, full);
            }
            default -> {
                java.util.Random random = new java.util.Random(pick);
                byte[] noise = new byte[Math.min(size, 4000)];
                random.nextBytes(noise);
                return new Malformed("noise", noise);
            }
        }
        return new Malformed(defect, parts.render());
    }
}
