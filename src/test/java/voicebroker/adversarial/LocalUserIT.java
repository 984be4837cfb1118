package voicebroker.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static voicebroker.adversarial.Answers.assertRefusal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import voicebroker.config.Secret;
import voicebroker.testkit.RawHttp;

/**
 * Attacks from another process on the machine, possibly another user (threat model: "a process of another local
 * user"). It can forge any header on loopback; the kernel's record of which user owns the connecting socket stops
 * another user outright, and the token gate stops every other process: only from the header, never
 * from query, cookie or body; exactly one; compared in constant time; wrong guesses throttled without locking the
 * dashboard out. Another user also cannot read the token or the key from the broker's files, environment or argv.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalUserIT {
    private static final String BODY = "{\"voice\":\"marin\"}";
    private Arena arena;

    @BeforeAll
    void start() {
        arena = Arena.start();
    }

    @AfterAll
    void stop() {
        arena.close();
    }

    private RawHttp.Request mintWith(String... headerPairs) {
        RawHttp.Request request = arena.request("POST", "/api/session").header("Origin", Arena.ORIGIN)
                .header("Content-Type", "application/json");
        for (int i = 0; i < headerPairs.length; i += 2) {
            request.header(headerPairs[i], headerPairs[i + 1]);
        }
        return request.body(BODY);
    }

    /** Wrong tokens count against the throttle; once it is full they answer too_many_failures instead. */
    private static void assertWrongToken(RawHttp.Response response, String what) {
        int status = response.status();
        assertTrue(status == 401 || status == 429, what + " → " + response);
        assertRefusal(response, status, status == 401 ? "bad_token" : "too_many_failures");
    }

    @Test
    void missingWrongResizedAndDuplicatedTokensAreRefused() {
        // A fresh broker, so the throttle starts empty and the first ten wrong tokens get their own code.
        try (Arena fresh = Arena.start()) {
            String token = fresh.token;
            String flipped = token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A");
            assertRefusal(fresh.send(fresh.request("POST", "/api/session").header("Origin", Arena.ORIGIN)
                    .header("Content-Type", "application/json").body(BODY)), 401, "missing_token");
            List<String[]> wrong = List.of(
                    new String[] {"Authorization", "Bearer " + flipped},
                    new String[] {"Authorization", "Bearer " + token.substring(0, token.length() - 1)},
                    new String[] {"Authorization", "Bearer " + token + "A"},
                    new String[] {"Authorization", "Bearer " + token + token},
                    new String[] {"Authorization", "Bearer " + token.toUpperCase(java.util.Locale.ROOT)},
                    new String[] {"Authorization", "Bearer " + "x".repeat(4000)},
                    new String[] {"Authorization", "Bearer "},
                    new String[] {"Authorization", "Basic " + token},
                    new String[] {"Authorization", token},
                    new String[] {"Authorization", "Bearer " + token + ", Bearer " + token});
            for (String[] header : wrong) {
                RawHttp.Response response = fresh.send(mintWithToken(fresh, header[0], header[1]));
                assertRefusal(response, 401, "bad_token");
            }
            RawHttp.Response twice = fresh.send(mintWithToken(fresh, "Authorization", "Bearer " + token)
                    .header("Authorization", "Bearer " + token));
            assertWrongToken(twice, "the right token twice");
            RawHttp.Response rightAndWrong = fresh.send(mintWithToken(fresh, "Authorization", "Bearer " + token)
                    .header("Authorization", "Bearer " + flipped));
            assertWrongToken(rightAndWrong, "right and wrong");
            assertEquals(0, fresh.upstreamMints(), "no wrong token reached the upstream");
            fresh.assertMints("after wrong tokens");
        }
    }

    private static RawHttp.Request mintWithToken(Arena on, String header, String value) {
        return on.request("POST", "/api/session").header("Origin", Arena.ORIGIN).header("Content-Type", "application/json")
                .header(header, value).body(BODY);
    }

    @Test
    void anExtraTokenHeaderCountsAsASecondTokenNotAFallback() {
        try (Arena withHeader = Arena.builder().env("VOICE_TOKEN_HEADER", "X-Dashboard-Token").start()) {
            String token = withHeader.token;
            assertEquals(200, withHeader.send(mintWithToken(withHeader, "X-Dashboard-Token", token)).status());
            RawHttp.Response both = withHeader.send(mintWithToken(withHeader, "X-Dashboard-Token", token)
                    .header("Authorization", "Bearer " + token));
            assertRefusal(both, 401, "bad_token");
            RawHttp.Response wrongExtra = withHeader.send(mintWithToken(withHeader, "X-Dashboard-Token", token + "x"));
            assertRefusal(wrongExtra, 401, "bad_token");
            assertEquals(1, withHeader.upstreamMints());
        }
    }

    @Test
    void tokensInTheQueryCookieBodyOrOtherHeadersAreNeverAccepted() {
        String token = arena.token;
        arena.fake.clear();
        for (String query : List.of("?token=", "?access_token=", "?authorization=Bearer%20", "?Authorization=Bearer+", "?key=")) {
            RawHttp.Response response = arena.send(arena.request("POST", "/api/session" + query + token)
                    .header("Origin", Arena.ORIGIN).header("Content-Type", "application/json").body(BODY));
            assertRefusal(response, 401, "missing_token");
        }
        for (String cookie : List.of("token=" + token, "Authorization=Bearer " + token, "voice_token=" + token, "session=" + token)) {
            assertRefusal(arena.send(mintWith("Cookie", cookie)), 401, "missing_token");
        }
        for (String header : List.of("X-Token", "X-Broker-Token", "Token", "Proxy-Authorization", "X-Authorization", "Bearer")) {
            assertRefusal(arena.send(mintWith(header, header.equals("Proxy-Authorization") ? "Bearer " + token : token)), 401, "missing_token");
        }
        for (String body : List.of("{\"token\":\"" + token + "\"}", "{\"authorization\":\"Bearer " + token + "\"}")) {
            RawHttp.Response response = arena.send(arena.request("POST", "/api/session").header("Origin", Arena.ORIGIN)
                    .header("Content-Type", "application/json").body(body));
            assertRefusal(response, 401, "missing_token");
        }
        assertRefusal(arena.send(arena.request("POST", "/api/session/" + token).header("Origin", Arena.ORIGIN)), 404, "not_found");
        // With the right header, a token in the body is an unknown field: it is not silently ignored either.
        RawHttp.Response bodyField = arena.send(arena.legit("POST", "/api/session", "{\"token\":\"" + token + "\"}"));
        assertEquals("token", assertRefusal(bodyField, 400, "invalid_request").path("field").asText());
        RawHttp.Response authField = arena.send(arena.legit("POST", "/api/session", "{\"authorization\":\"Bearer " + token + "\"}"));
        assertRefusal(authField, 400, "key_from_browser");
        assertEquals(0, arena.upstreamMints(), "no token from anywhere but the header reached the upstream");
        assertFalse(arena.broker.stderr().contains(token), "the log never shows the token, not even from a query string");
    }

    @Test
    void bruteForceIsThrottledWhileTheRightTokenKeepsWorking() throws Exception {
        try (Arena target = Arena.start()) {
            int attackers = 8;
            int guessesEach = 40;
            List<Integer> statuses = new CopyOnWriteArrayList<>();
            Map<String, AtomicInteger> codes = new ConcurrentHashMap<>();
            List<String> retryAfters = new CopyOnWriteArrayList<>();
            List<Integer> dashboard = new CopyOnWriteArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(attackers + 1);
            long start = System.nanoTime();
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int a = 0; a < attackers; a++) {
                    int attacker = a;
                    running.add(pool.submit(() -> {
                        for (int i = 0; i < guessesEach; i++) {
                            String guess = randomToken(attacker * 1000 + i);
                            RawHttp.Response response = target.send(mintWithToken(target, "Authorization", "Bearer " + guess));
                            statuses.add(response.status());
                            codes.computeIfAbsent(String.valueOf(Answers.codeOf(response)), k -> new AtomicInteger()).incrementAndGet();
                            if (response.status() == 429) {
                                retryAfters.add(response.header("Retry-After"));
                            }
                        }
                    }));
                }
                running.add(pool.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        dashboard.add(target.mint().status());
                    }
                }));
                for (Future<?> task : running) {
                    task.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            long seconds = Math.max(1, (System.nanoTime() - start) / 1_000_000_000L);
            Report.line("brute force", attackers * guessesEach + " wrong tokens from " + attackers + " clients in about " + seconds
                    + " s: " + codes + "; the dashboard's 20 mints meanwhile: " + dashboard.stream().distinct().toList());
            assertEquals(attackers * guessesEach, statuses.size());
            assertEquals(Collections.nCopies(20, 200), dashboard, "the dashboard's mints all worked during the attack");
            int badTokens = codes.getOrDefault("bad_token", new AtomicInteger()).get();
            int throttled = codes.getOrDefault("too_many_failures", new AtomicInteger()).get();
            assertEquals(attackers * guessesEach, badTokens + throttled, "only bad_token and too_many_failures: " + codes);
            long windows = (seconds + 9) / 10 + 1;
            assertTrue(badTokens <= 10 * windows, badTokens + " guesses were judged in " + seconds + " s; the throttle allows 10 per 10 s");
            assertTrue(throttled >= attackers * guessesEach - 10 * windows, codes.toString());
            for (String retryAfter : retryAfters) {
                int wait = Integer.parseInt(retryAfter);
                assertTrue(wait >= 1 && wait <= 10, "Retry-After " + retryAfter);
            }
            assertEquals(20, target.upstreamMints(), "only the dashboard's mints reached the upstream");
        }
    }

    private static String randomToken(int seed) {
        java.util.Random random = new java.util.Random(seed);
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * The comparison takes as long when a guess is wrong in its first character as when it is wrong in its last,
     * or has another length: the broker hashes both sides and compares digests with MessageDigest.isEqual. A plain
     * String.equals would run about ten times longer for the late mismatch, which this measurement would show.
     */
    @Test
    void tokenComparisonTimeDoesNotDependOnWhereTheGuessDiffers() {
        String token = randomToken(42);
        Secret secret = Secret.of(token);
        String wrongFirst = (token.charAt(0) == 'A' ? "B" : "A") + token.substring(1);
        String wrongLast = token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A");
        String shorter = token.substring(0, 8);
        for (int i = 0; i < 20_000; i++) {
            secret.matches(wrongFirst);
            secret.matches(wrongLast);
            secret.matches(shorter);
        }
        double first = 0;
        double last = 0;
        double shortGuess = 0;
        for (int round = 0; round < 5; round++) {
            first = medianNanos(secret, wrongFirst);
            last = medianNanos(secret, wrongLast);
            shortGuess = medianNanos(secret, shorter);
            // Re-measure on any sign of a noise burst, so a busy spell cannot fail either assertion below.
            if (Math.max(first, last) / Math.min(first, last) < 1.25 && shortGuess < last * 1.5) {
                break;
            }
        }
        double ratio = Math.max(first, last) / Math.min(first, last);
        Report.line("token comparison", String.format(java.util.Locale.ROOT,
                "median %.0f ns (wrong first char), %.0f ns (wrong last char), %.0f ns (8-char guess); ratio %.2f",
                first, last, shortGuess, ratio));
        assertTrue(ratio < 1.25, "median ns per comparison: wrong first char " + first + ", wrong last char " + last);
        assertTrue(shortGuess < last * 1.5, "a short guess is not much faster or slower: " + shortGuess + " vs " + last);
        assertTrue(secret.matches(token));
        assertFalse(secret.matches(wrongLast));
    }

    /** Median over interleaved batches, so a burst of machine noise hits both sides alike. */
    private static double medianNanos(Secret secret, String guess) {
        int batches = 31;
        int perBatch = 2_000;
        double[] perCall = new double[batches];
        boolean sink = false;
        for (int b = 0; b < batches; b++) {
            long start = System.nanoTime();
            for (int i = 0; i < perBatch; i++) {
                sink ^= secret.matches(guess);
            }
            perCall[b] = (System.nanoTime() - start) / (double) perBatch;
        }
        assertFalse(sink);
        Arrays.sort(perCall);
        return perCall[batches / 2];
    }

    @Test
    void anotherUserCanReadNoSecretFromTheBrokersProcessFilesOrArgv() throws Exception {
        long pid = arena.pid();
        // The process's argv is world-readable by design; it must hold neither secret.
        Outcome cmdline = asNobody("cat", "/proc/" + pid + "/cmdline");
        assertEquals(0, cmdline.exit, cmdline.output);
        assertTrue(cmdline.output.contains("serve"), cmdline.output);
        arena.scan("argv as read by nobody", cmdline.output);
        // Every process's argv on the machine, as another user sees them (what ps shows).
        Outcome everyArgv = asNobody("bash", "-c", "cat /proc/[0-9]*/cmdline 2>/dev/null; true");
        assertEquals(0, everyArgv.exit, everyArgv.output);
        assertTrue(everyArgv.output.contains("voice-broker.jar"), "the broker's argv was among them");
        arena.scan("every argv on the machine", everyArgv.output);
        assertNull(Leaks.leakedPiece(everyArgv.output, Arena.KEY));
        assertNull(Leaks.leakedPiece(everyArgv.output, arena.token));
        // Nothing else of the process or its runtime directory is open to another user.
        for (String path : List.of("/proc/" + pid + "/environ", "/proc/" + pid + "/fd/", "/proc/" + pid + "/maps",
                "/proc/" + pid + "/mem", arena.broker.runtimeDir().toString() + "/")) {
            Outcome read = asNobody("ls", "-la", path);
            Outcome cat = asNobody("cat", path);
            assertTrue(read.exit != 0 || cat.exit != 0, "nobody could read " + path + ": " + read.output + cat.output);
            assertNull(Leaks.leakedPiece(read.output + cat.output, Arena.KEY), path);
            assertNull(Leaks.leakedPiece(read.output + cat.output, arena.token), path);
        }
        Outcome dir = asNobody("ls", arena.broker.runtimeDir().toString());
        assertNotEquals(0, dir.exit, "nobody cannot even list the runtime directory: " + dir.output);
    }

    @Test
    void anotherUserIsRefusedByItsUidEvenWithTheTokenAndEveryHeaderForged() throws Exception {
        arena.fake.clear();
        // The worst case: nobody somehow holds the token too. The kernel's record of who owns the socket decides.
        String mint = "POST /api/session HTTP/1.1\r\nHost: " + arena.host + "\r\nOrigin: " + Arena.ORIGIN
                + "\r\nAuthorization: Bearer " + arena.token
                + "\r\nContent-Type: application/json\r\nX-Forwarded-For: 127.0.0.1\r\nSec-Fetch-Site: same-origin"
                + "\r\nConnection: close\r\nContent-Length: " + BODY.length() + "\r\n\r\n" + BODY;
        String health = "GET /api/health HTTP/1.1\r\nHost: " + arena.host + "\r\nConnection: close\r\n\r\n";
        for (String address : List.of("127.0.0.1", "::1")) {
            for (String request : List.of(mint, health)) {
                Outcome sent = asNobody("bash", "-c", "exec 3<>/dev/tcp/" + address + "/" + arena.port()
                        + " && printf '%s' \"$1\" >&3 && timeout 10 cat <&3", "client", request);
                assertEquals(0, sent.exit, sent.output);
                assertTrue(sent.output.startsWith("HTTP/1.1 403"), address + ": " + sent.output);
                assertTrue(sent.output.contains("\"error\":\"foreign_user\""), address + ": " + sent.output);
            }
        }
        assertEquals(0, arena.upstreamMints(), "nobody's mints never reached the upstream");
        arena.assertMints("by the broker's own user meanwhile");
    }

    private record Outcome(int exit, String output) {
    }

    private static Outcome asNobody(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "nobody", "--"));
        full.addAll(List.of(command));
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "runuser finished");
        return new Outcome(process.exitValue(), new String(output, StandardCharsets.ISO_8859_1));
    }

    @Test
    void aGuessingStormDoesNotSlowTheDashboardToATimeout() {
        // The throttle answers from memory; it never sleeps on a request, so guessing cannot hold threads.
        RawHttp.Client quick = RawHttp.client().timeout(Duration.ofSeconds(2));
        for (int i = 0; i < 50; i++) {
            RawHttp.Response response = arena.send(quick, mintWithToken(arena, "Authorization", "Bearer wrong-" + i));
            assertWrongToken(response, "guess " + i);
        }
        arena.assertMints("right after fifty wrong guesses");
    }
}
