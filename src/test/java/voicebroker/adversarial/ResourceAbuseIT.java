package voicebroker.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static voicebroker.adversarial.Answers.assertRefusal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import voicebroker.config.Limits;
import voicebroker.testkit.RawHttp;

/**
 * Resource abuse from any local process (threat model rule 8: bound everything). Each attack runs while the
 * dashboard mints, and every one of those mints must succeed quickly; afterwards the broker must be back to its
 * baseline of file descriptors and threads within a settle window. Where the JDK server refuses before any of the
 * broker's code runs (conflicting framing headers, header sections over 64 KiB, unparseable request lines), the
 * test asserts "refused or closed, and the broker keeps serving" rather than one of our JSON codes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResourceAbuseIT {
    /** The broker's own bound on reading one request; connections that take longer are cut. */
    private static final Duration REQUEST_TIME = Limits.defaults().maxRequestTime();
    private static final Duration CUT_SLACK = Duration.ofSeconds(8);
    private static final String JSON_BODY = "{\"voice\":\"marin\"}";
    private Arena arena;
    private Vitals baseline;
    private final AtomicInteger dashboardMints = new AtomicInteger();

    @BeforeAll
    void start() {
        arena = Arena.start();
        baseline = arena.warmBaseline();
    }

    @AfterAll
    void stop() {
        arena.close();
    }

    @BeforeEach
    void clean() {
        arena.fake.clear();
        dashboardMints.set(0);
    }

    @AfterEach
    void nothingLeaked(TestInfo test) {
        Vitals after = Vitals.awaitSettled(arena.pid(), baseline, 4, 4, REQUEST_TIME.plus(Duration.ofSeconds(15)));
        Report.line("resource abuse", test.getDisplayName() + ": baseline " + baseline + ", settled at " + after);
        assertEquals(dashboardMints.get(), arena.upstreamMints(), "only the dashboard's mints reached the upstream");
    }

    /** One dashboard mint during an attack: it must work, and quickly. */
    private void dashboardMints(String during) {
        long start = System.nanoTime();
        arena.assertMints("during " + during);
        dashboardMints.incrementAndGet();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 2_000, "the dashboard's mint during " + during + " took " + millis + " ms");
    }

    /**
     * Repeats {@code round} on two attacker threads for at least a second and a half while the dashboard mints
     * three times; assertion failures inside a round fail the test.
     */
    private void underAttack(String name, Runnable round) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger rounds = new AtomicInteger();
        ExecutorService attackers = Executors.newFixedThreadPool(2);
        List<Future<?>> running = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                running.add(attackers.submit(() -> {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (!stop.get() && System.nanoTime() < deadline) {
                        round.run();
                        rounds.incrementAndGet();
                    }
                    return null;
                }));
            }
            long start = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                Vitals.sleep(300);
                dashboardMints(name);
            }
            long deadline = start + TimeUnit.SECONDS.toNanos(40);
            while ((rounds.get() < 2 || System.nanoTime() - start < 1_500_000_000L) && System.nanoTime() < deadline
                    && running.stream().noneMatch(Future::isDone)) {
                Vitals.sleep(50);
            }
        } finally {
            stop.set(true);
            attackers.shutdown();
        }
        for (Future<?> attacker : running) {
            attacker.get(60, TimeUnit.SECONDS);
        }
        Report.line("resource abuse", name + ": " + rounds.get() + " attack rounds while the dashboard minted 3 times");
    }

    private String mintHead(boolean withToken) {
        return "POST /api/session HTTP/1.1\r\nHost: " + arena.host + "\r\nOrigin: " + Arena.ORIGIN
                + (withToken ? "\r\nAuthorization: Bearer " + arena.token : "") + "\r\nContent-Type: application/json\r\n";
    }

    /** Refused by us (JSON), by the JDK server (its fixed 4xx/501 page), or closed without an answer; never served. */
    private static void assertRefusedOrClosed(RawHttp.Response response, String what) {
        if (response.receivedNothing()) {
            return;
        }
        int status = response.status();
        assertTrue(status >= 400 && status < 500 || status == 501, what + " → " + response);
        String code = Answers.codeOf(response);
        if (code != null) {
            assertTrue(Answers.CODES.contains(code), what + " → " + response);
            assertFalse(code.equals("internal"), what + " → " + response);
        } else {
            assertTrue(response.body().startsWith("<h1>") || response.body().isEmpty(), "the JDK's own fixed refusal: " + response);
        }
    }

    private RawHttp.Response sendQuietly(byte[] raw, Duration timeout) {
        try {
            return arena.record(RawHttp.client().timeout(timeout).send("127.0.0.1", arena.port(), raw));
        } catch (java.io.UncheckedIOException noCompleteAnswer) {
            return null;
        }
    }

    // ---- slow clients ----------------------------------------------------------------------------------------

    @Test
    void slowlorisConnectionsCannotStarveTheDashboardAndAreCutAfterTheRequestTime() {
        int count = 100;
        String prefix = "GET /api/health HTTP/1.1\r\nHost: " + arena.host + "\r\nX-Slow: ";
        try (SlowClients slow = SlowClients.open(arena.port(), count, prefix, 'a', Duration.ofMillis(200), Duration.ofSeconds(40))) {
            assertEquals(count, slow.connected(), "all slow connections were accepted (below the cap)");
            for (int i = 0; i < 3; i++) {
                dashboardMints(count + " slowloris connections");
            }
            assertTrue(slow.awaitClosedByServer(count, REQUEST_TIME.plus(CUT_SLACK)),
                    "the broker cut every slow connection within the request time: " + slow.closedByServer() + " of " + count);
            Report.line("resource abuse", "slowloris: " + count + " connections trickling headers were all cut after "
                    + String.format(Locale.ROOT, "%.1f", slow.secondsUntilLastClosed()) + " s (request time " + REQUEST_TIME.toSeconds() + " s)");
        }
        dashboardMints("the end of the slowloris attack");
    }

    @Test
    void slowBodiesWithAndWithoutTheTokenCannotStarveTheDashboard() {
        String authed = mintHead(true) + "Content-Length: 10000\r\n\r\n{\"voice\":\"";
        String anonymous = mintHead(false) + "Content-Length: 10000\r\n\r\n{\"voice\":\"";
        try (SlowClients withToken = SlowClients.open(arena.port(), 50, authed, 'a', Duration.ofMillis(200), Duration.ofSeconds(40));
             SlowClients withoutToken = SlowClients.open(arena.port(), 50, anonymous, 'a', Duration.ofMillis(200), Duration.ofSeconds(40))) {
            for (int i = 0; i < 3; i++) {
                dashboardMints("100 slow request bodies");
            }
            assertTrue(withoutToken.awaitClosedByServer(50, REQUEST_TIME.plus(CUT_SLACK)), "slow anonymous bodies were cut");
            assertTrue(withToken.awaitClosedByServer(50, REQUEST_TIME.plus(CUT_SLACK)), "slow bodies were cut");
            assertEquals(50, withoutToken.answered(), "each anonymous slow body got its 401 before any body was read");
        }
    }

    @Test
    void moreConnectionsThanTheCapAreShedAtOnceAndServiceReturnsWhenTheyGo() {
        int cap = Limits.defaults().maxConnections();
        int count = cap + 150;
        try (SlowClients idle = SlowClients.idle("127.0.0.1", arena.port(), count, Duration.ofSeconds(40))) {
            assertTrue(idle.awaitClosedByServer(count - cap, Duration.ofSeconds(5)),
                    "connections over the cap of " + cap + " are closed at once, not queued: " + idle.closedByServer() + " closed");
            // The cap is per listener: the dashboard can still reach the IPv6 loopback listener meanwhile
            // (the broker binds ::1 whenever the machine has IPv6, as these machines do).
            if (ipv6Loopback()) {
                RawHttp.Response overV6 = arena.record(RawHttp.client().send("::1", arena.port(), arena.legit("POST", "/api/session", JSON_BODY)));
                assertEquals(200, overV6.status(), "a mint over [::1] while 127.0.0.1 is full: " + overV6);
                dashboardMints.incrementAndGet();
            }
            Report.line("resource abuse", count + " idle connections: " + idle.closedByServer() + " shed at once (cap " + cap
                    + " per listener); [::1] kept serving");
        }
        // The attacker lets go: the IPv4 listener serves again at once (no waiting for the request time).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        RawHttp.Response again;
        do {
            again = sendQuietly(arena.legit("GET", "/api/health", null).toBytes(), Duration.ofSeconds(2));
        } while ((again == null || again.status() != 200) && System.nanoTime() < deadline && sleepTrue(100));
        assertTrue(again != null && again.status() == 200, "127.0.0.1 serves again: " + again);
        dashboardMints("the end of the connection flood");
    }

    private static boolean ipv6Loopback() {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName("::1"), 0));
            return true;
        } catch (java.io.IOException noIpv6) {
            return false;
        }
    }

    private static boolean sleepTrue(long millis) {
        Vitals.sleep(millis);
        return true;
    }

    // ---- oversized input -------------------------------------------------------------------------------------

    @Test
    void oversizedHeadersAreRefusedOrCut() throws Exception {
        String head = "GET /api/health HTTP/1.1\r\nHost: " + arena.host + "\r\n";
        List<byte[]> closers = List.of(
                (head + "X-Big: " + "b".repeat(100 * 1024) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                (head + "X-Big: " + "b".repeat(1024 * 1024) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                (head + "X-A: 1\r\n".repeat(20_000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1),
                ("GET /" + "a".repeat(100 * 1024) + " HTTP/1.1\r\nHost: " + arena.host + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        underAttack("oversized headers", () -> {
            assertRefusal(arena.sendRaw(head + "X-Big: " + "b".repeat(9 * 1024) + "\r\n\r\n"), 431, "headers_too_large");
            assertRefusal(arena.sendRaw(head + "X-Big: " + "b".repeat(60 * 1024) + "\r\n\r\n"), 431, "headers_too_large");
            assertRefusal(arena.sendRaw(head + "Cookie: c=" + "x".repeat(3000) + "\r\n".repeat(1) + "Cookie: d=" + "y".repeat(6000)
                    + "\r\n\r\n"), 431, "headers_too_large");
            for (byte[] raw : closers) {
                RawHttp.Response response = sendQuietly(raw, Duration.ofSeconds(5));
                assertTrue(response == null || response.receivedNothing() || response.status() == 431 || response.status() == 400,
                        "over 64 KiB the JDK server cuts the connection: " + response);
            }
        });
    }

    @Test
    void oversizedBodiesAreRefusedBeforeTheyAreRead() throws Exception {
        underAttack("oversized bodies", () -> {
            // Only the headers are sent: the answer must come without waiting for a body that never arrives.
            long start = System.nanoTime();
            RawHttp.Response declared = sendQuietly((mintHead(true) + "Content-Length: 17000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                    Duration.ofSeconds(3));
            assertTrue(declared != null, "answered before the body was sent");
            assertRefusal(declared, 413, "body_too_large");
            assertTrue((System.nanoTime() - start) / 1_000_000 < 2_000, "checked before reading");
            assertRefusal(arena.sendRaw(mintHead(true) + "Content-Length: 1000000000000\r\n\r\n"), 413, "body_too_large");
            assertRefusal(arena.sendRaw(mintHead(false) + "Content-Length: 1000000000000\r\n\r\n"), 401, "missing_token");
            String chunked = Integer.toHexString(20_000) + "\r\n" + "a".repeat(20_000) + "\r\n0\r\n\r\n";
            assertRefusal(arena.sendRaw(mintHead(true) + "Transfer-Encoding: chunked\r\n\r\n" + chunked), 413, "body_too_large");
            assertRefusal(arena.send(arena.legit("POST", "/api/session", "{\"voice\":\"" + "a".repeat(17 * 1024) + "\"}")), 413, "body_too_large");
            assertRefusedOrClosed(arena.sendRaw(mintHead(true) + "Content-Length: 99999999999999999999\r\n\r\n{}"), "an overflowing length");
        });
    }

    // ---- framing and parsing ---------------------------------------------------------------------------------

    @Test
    void ambiguousFramingIsRefusedAndNothingIsSmuggled() throws Exception {
        String smuggled = "GET /api/nothing-smuggled HTTP/1.1\r\nHost: " + arena.host + "\r\n\r\n";
        List<String> ambiguous = List.of(
                mintHead(true) + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
                mintHead(true) + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" + smuggled,
                mintHead(true) + "Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}" + smuggled,
                mintHead(true) + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + smuggled,
                mintHead(true) + "Transfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + smuggled,
                mintHead(true) + "Transfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + smuggled,
                mintHead(true) + "Transfer-Encoding : chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + smuggled,
                mintHead(true) + "Content-Length: -2\r\n\r\n{}" + smuggled,
                mintHead(true) + "Content-Length: 0x2\r\n\r\n{}" + smuggled,
                mintHead(true) + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n" + smuggled,
                mintHead(true) + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n{}\r\n0\r\n\r\n" + smuggled);
        underAttack("ambiguous framing", () -> {
            for (String raw : ambiguous) {
                try (RawHttp.Connection connection = RawHttp.client().timeout(Duration.ofSeconds(3)).open("127.0.0.1", arena.port())) {
                    RawHttp.Response first = arena.record(connection.exchange(raw));
                    assertRefusedOrClosed(first, raw.substring(raw.indexOf("Content-Type")));
                    // The request hidden behind the ambiguous framing must never be answered: the connection is
                    // closed, or the server is still discarding what it cannot frame (cut at the request time).
                    RawHttp.Response second;
                    try {
                        second = connection.readResponse("GET");
                    } catch (java.io.UncheckedIOException silentOrCut) {
                        second = null;
                    }
                    assertTrue(second == null || second.receivedNothing(), "a smuggled request was answered: " + second);
                }
            }
        });
    }

    @Test
    void malformedRequestLinesAndHeadersAreRefusedOrClosed() throws Exception {
        String host = "Host: " + arena.host + "\r\n";
        List<byte[]> malformed = new ArrayList<>();
        for (String raw : List.of("GET /api/health\r\n" + host + "\r\n", "GET /api/health\r\n\r\n", "GET  /api/health HTTP/1.1\r\n" + host + "\r\n",
                "GET /api/\u0000health HTTP/1.1\r\n" + host + "\r\n", "GET /api/%zzhealth HTTP/1.1\r\n" + host + "\r\n",
                "GET /api/health%00 HTTP/1.1\r\n" + host + "\r\n", "GET /api/../api/health HTTP/1.1\r\n" + host + "\r\n",
                "GET /api/health/ HTTP/1.1\r\n" + host + "\r\n", "GET /API/HEALTH HTTP/1.1\r\n" + host + "\r\n",
                "GET /api/health;x HTTP/1.1\r\n" + host + "\r\n", "GET /api//health HTTP/1.1\r\n" + host + "\r\n",
                "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "get /api/health HTTP/1.1\r\n" + host + "\r\n",
                "FOO /api/session HTTP/1.1\r\n" + host + "\r\n", "DELETE /api/session HTTP/1.1\r\n" + host + "\r\n",
                "TRACE /api/health HTTP/1.1\r\n" + host + "\r\n", "GET /api/health HTTP/1.1\r\n" + host + "NoColon\r\n\r\n",
                "GET /api/health HTTP/1.1\r\n" + host + "Bad Name: x\r\n\r\n", "GET /api/health HTTP/1.1\r\n" + host + ": empty\r\n\r\n",
                "GET /api/health HTTP/1.1\r\nHost: " + arena.host + "\r\nHost: " + arena.host + "\r\n\r\n",
                "GET /api/health HTTP/1.1\r\n\r\n", "GET /api/health HTTP/1.1\r\nHost: " + arena.host + "\r\n\t folded\r\n\r\n")) {
            malformed.add(raw.getBytes(StandardCharsets.ISO_8859_1));
        }
        // Incomplete or binary requests get no answer; the client gives up after a second, its close ends them.
        List<byte[]> silent = List.of("\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                ("GET /api/health HTTP/1.1\n" + "Host: " + arena.host + "\n\n").getBytes(StandardCharsets.ISO_8859_1),
                binary(), "GET /api/health HTTP/1.1\r\nHost: ".getBytes(StandardCharsets.ISO_8859_1));
        List<String> seen = new CopyOnWriteArrayList<>();
        underAttack("malformed requests", () -> {
            for (byte[] raw : malformed) {
                RawHttp.Response response = sendQuietly(raw, Duration.ofSeconds(5));
                assertTrue(response != null, "answered or closed: " + new String(raw, StandardCharsets.ISO_8859_1));
                assertRefusedOrClosed(response, new String(raw, StandardCharsets.ISO_8859_1));
                seen.add(response.statusLine());
            }
            for (byte[] raw : silent) {
                RawHttp.Response response = sendQuietly(raw, Duration.ofSeconds(1));
                assertTrue(response == null || response.receivedNothing() || response.status() >= 400, "never served: " + response);
            }
        });
        assertFalse(seen.isEmpty());
    }

    private static byte[] binary() {
        byte[] bytes = new byte[1024];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31 + 7);
        }
        return bytes;
    }

    @Test
    void deeplyNestedHugeAndMalformedJsonIsRefusedQuickly() throws Exception {
        List<String[]> bodies = List.of(
                new String[] {"{\"voice\":" + "[".repeat(40) + "]".repeat(40) + "}", "bad_json"},
                new String[] {"[".repeat(8000), "bad_json"},
                new String[] {"{\"a\":".repeat(2500) + "1" + "}".repeat(2500), "bad_json"},
                new String[] {"{\"voice\":" + "9".repeat(10_000) + "}", "bad_json"},
                new String[] {"{\"voice\":1e999999999}", "invalid_request"},
                new String[] {"{\"voice\":\"" + "v".repeat(15_000) + "\"}", "invalid_request"},
                new String[] {"{\"voice\":\"marin\",\"voice\":\"cedar\"}", "bad_json"},
                new String[] {"{\"voice\":\"marin\"} {\"mode\":\"direct\"}", "bad_json"},
                new String[] {"{\"voice\":NaN}", "bad_json"},
                new String[] {"{\"voice\":\"\\u0000\"}", "invalid_request"},
                new String[] {"{'voice':'marin'}", "bad_json"},
                new String[] {"{\"voice\":\"marin\",}", "bad_json"},
                new String[] {"\"just a string\"", "bad_json"},
                new String[] {"null", "bad_json"});
        StringBuilder manyKeys = new StringBuilder("{");
        for (int i = 0; i < 1500; i++) {
            manyKeys.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":1");
        }
        List<String[]> all = new ArrayList<>(bodies);
        all.add(new String[] {manyKeys.append('}').toString(), "invalid_request"});
        byte[] invalidUtf8 = {'{', '"', 'v', 'o', 'i', 'c', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        underAttack("hostile JSON", () -> {
            for (String[] body : all) {
                long start = System.nanoTime();
                RawHttp.Response response = arena.send(arena.legit("POST", "/api/session", body[0]));
                assertRefusal(response, 400, body[1]);
                assertTrue((System.nanoTime() - start) / 1_000_000 < 1_000, "refused quickly: " + body[0].substring(0, Math.min(20, body[0].length())));
            }
            RawHttp.Response badBytes = arena.send(arena.legit("POST", "/api/session", null)
                    .header("Content-Type", "application/json").body(invalidUtf8));
            assertTrue(badBytes.status() == 400, badBytes.toString());
        });
    }
}
