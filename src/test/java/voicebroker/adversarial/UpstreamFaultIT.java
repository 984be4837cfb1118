package voicebroker.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static voicebroker.adversarial.Answers.assertRefusal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import voicebroker.testkit.Fault;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.RawHttp;
import voicebroker.testkit.SelfSignedCert;

/**
 * A hostile or broken upstream (threat model: "a hostile or misconfigured upstream"). Each fault gets its
 * documented code within the upstream timeout (2 s here, so "in time" means well under 5 s), the key is never
 * echoed (every answer is scanned for any 12-character piece of it), the upstream's own words never reach the
 * page, and the broker keeps serving: after each case the fault is lifted and a legitimate mint must work.
 * At the end, the broker holds no more descriptors or threads than before the first fault.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamFaultIT {
    private static final int TIMEOUT_SECONDS = 2;
    private static final long IN_TIME_MILLIS = 5_000;
    private static final String SPEECH_PATH = "/v1/audio/speech";
    private Arena arena;
    private Vitals baseline;

    @BeforeAll
    void start() {
        arena = Arena.builder().env("VOICE_UPSTREAM_TIMEOUT", String.valueOf(TIMEOUT_SECONDS)).start();
        baseline = arena.warmBaseline();
    }

    @AfterAll
    void stop() {
        try (Arena closing = arena) {
            Vitals after = Vitals.awaitSettled(closing.pid(), baseline, 6, 4, Duration.ofSeconds(20));
            Report.line("upstream faults", "broker before " + baseline + ", after every fault " + after);
        }
    }

    @BeforeEach
    void clean() {
        arena.fake.clearFaults();
        arena.fake.clear();
    }

    @AfterEach
    void theBrokerKeepsServing() {
        arena.fake.clearFaults();
        arena.assertMints("once the upstream behaves again");
    }

    /** Mints against the scripted fault; asserts the refusal, that it came in time, and answers its body. */
    private JsonNode mintAgainst(Fault fault, int status, String code) {
        arena.fake.faultAlways(Arena.MINT_PATH, fault);
        return timed(() -> arena.mint(), status, code);
    }

    private JsonNode sampleAgainst(Fault fault, int status, String code) {
        arena.fake.faultAlways(SPEECH_PATH, fault);
        return timed(() -> arena.send(arena.legit("POST", "/api/sample", "{\"voice\":\"marin\"}")), status, code);
    }

    private JsonNode timed(java.util.function.Supplier<RawHttp.Response> call, int status, String code) {
        long start = System.nanoTime();
        RawHttp.Response response = call.get();
        long millis = (System.nanoTime() - start) / 1_000_000;
        JsonNode body = assertRefusal(response, status, code);
        assertTrue(millis < IN_TIME_MILLIS, code + " took " + millis + " ms with a " + TIMEOUT_SECONDS + " s upstream timeout");
        assertFalse(response.body().toLowerCase(Locale.ROOT).contains("<html"), "no upstream page: " + response.body());
        assertFalse(response.body().contains("org-"), "no organisation from the upstream: " + response.body());
        assertEquals(null, response.header("openai-organization"), "upstream headers are not passed on");
        assertEquals(null, Leaks.leakedPiece(response.toString(), Arena.KEY), "no piece of the key: " + response);
        return body;
    }

    private long timeoutMillis(Fault fault) {
        arena.fake.faultAlways(Arena.MINT_PATH, fault);
        long start = System.nanoTime();
        assertRefusal(arena.mint(), 504, "upstream_timeout");
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void aHangAfterAcceptTimesOutInTime() {
        long millis = timeoutMillis(Fault.hang());
        assertTrue(millis >= TIMEOUT_SECONDS * 1000L - 300, "not before the timeout: " + millis + " ms");
        assertTrue(millis < IN_TIME_MILLIS, millis + " ms");
        assertEquals(1, arena.upstreamMints(), "a timeout is not retried with the next model");
    }

    @Test
    void slowHeadersTimeOutButSlowButTimelyAnswersStillWork() {
        long millis = timeoutMillis(Fault.delay(Duration.ofSeconds(30)));
        assertTrue(millis < IN_TIME_MILLIS, millis + " ms");
        arena.fake.clearFaults();
        arena.fake.faultAlways(Arena.MINT_PATH, Fault.delay(Duration.ofMillis(400)));
        assertEquals(200, arena.mint().status(), "an answer inside the timeout is taken");
    }

    @Test
    void aSlowBodyIsCutByTheTotalTimeout() {
        // The normal answer, one byte every 100 ms: each byte is "progress", but the whole answer takes a minute.
        long millis = timeoutMillis(Fault.trickle(1, Duration.ofMillis(100)));
        assertTrue(millis < IN_TIME_MILLIS, millis + " ms");
    }

    @Test
    void aResetMidResponseIsUnavailable() {
        mintAgainst(Fault.resetMidResponse(), 502, "upstream_unavailable");
        mintAgainst(Fault.closeWithoutResponse(), 502, "upstream_unavailable");
        mintAgainst(Fault.raw("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"value\":\"ek_"), 502, "upstream_unavailable");
        mintAgainst(Fault.raw("NOT HTTP AT ALL\r\n\r\n"), 502, "upstream_unavailable");
    }

    @Test
    void errorPagesBecomeOurCodeWithNoneOfTheirWords() {
        JsonNode html500 = mintAgainst(Fault.html(500, "<html><body><h1>Internal error</h1>trace at org-secretcorp</body></html>"),
                502, "upstream_unavailable");
        assertEquals(500, html500.path("upstream_status").asInt());
        mintAgainst(Fault.html(503, "<html>maintenance for org-secretcorp</html>"), 502, "upstream_unavailable");
        mintAgainst(Fault.body(502, "text/plain", "Bad gateway (org-secretcorp)"), 502, "upstream_unavailable");
        mintAgainst(Fault.status(500), 502, "upstream_unavailable");
        assertEquals(4, arena.upstreamMints(), "one upstream call per mint: server errors are not retried");
    }

    @Test
    void unusableSuccessAnswersAreUnavailableNotACrash() {
        mintAgainst(Fault.invalidJson(), 502, "upstream_unavailable");
        for (String json : List.of("[]", "null", "\"ek_string\"", "{}", "{\"value\":\"ek_noexpiry\"}",
                "{\"value\":\"<script>alert(1)</script>\",\"expires_at\":1900000000}", "{\"value\":123,\"expires_at\":1}",
                "{\"value\":\"ek_" + "a".repeat(600) + "\",\"expires_at\":1900000000}",
                "{\"value\":\"ek_ok_value_here\",\"expires_at\":-5}", "{\"value\":\"ek_ok_value_here\",\"expires_at\":\"soon\"}",
                "{\"client_secret\":{\"value\":\"ek_bad value\"},\"expires_at\":1900000000}")) {
            JsonNode body = mintAgainst(Fault.status(200, json), 502, "upstream_unavailable");
            assertFalse(body.toString().contains("<script>"), body.toString());
        }
        // A success that echoes the key back (as the secret, the model or the voice) is withheld, not passed on.
        mintAgainst(Fault.status(200, "{\"value\":\"" + Arena.KEY + "\",\"expires_at\":1900000000}"), 502, "upstream_unavailable");
        mintAgainst(Fault.status(200, "{\"value\":\"ek_fine_value_1\",\"expires_at\":1900000000,\"session\":{\"model\":\"" + Arena.KEY
                + "\",\"audio\":{\"output\":{\"voice\":\"" + Arena.KEY.substring(5) + "\"}}}}"), 502, "upstream_unavailable");
        mintAgainst(Fault.body(200, "text/html", "<html>captive portal</html>"), 502, "upstream_unavailable");
        mintAgainst(Fault.body(200, "application/json", ""), 502, "upstream_unavailable");
        mintAgainst(Fault.raw("HTTP/1.1 204 No Content\r\n\r\n"), 502, "upstream_unavailable");
    }

    @Test
    void aFiftyMegabyteAnswerCostsTheBrokerLittleAndFailsInTime() {
        long fifty = 50L * 1024 * 1024;
        mintAgainst(Fault.hugeBody(fifty), 502, "upstream_unavailable");
        mintAgainst(Fault.hugeBody(fifty).chunked(), 502, "upstream_unavailable");
        byte[] head = ("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\nContent-Length: " + fifty + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] page = new byte[(int) fifty + head.length];
        System.arraycopy(head, 0, page, 0, head.length);
        java.util.Arrays.fill(page, head.length, page.length, (byte) 'x');
        mintAgainst(Fault.raw(page), 502, "upstream_unavailable");
        Vitals now = arena.vitals();
        Report.line("50 MB upstream answer", "broker VmRSS " + now.rssKib() / 1024 + " MiB after three 50 MB answers");
        assertTrue(now.rssKib() < 300 * 1024, "the broker read a bounded part, not 50 MB: " + now);
    }

    @Test
    void redirectsAreNeverFollowedSoTheOtherHostHearsNothing() {
        try (FakeOpenAi elsewhere = FakeOpenAi.http().start()) {
            for (int status : new int[] {301, 302, 303, 307, 308}) {
                JsonNode body = mintAgainst(Fault.redirect(status, elsewhere.baseUrl() + "/realtime/client_secrets"), 502, "upstream_redirect");
                assertFalse(body.toString().contains(String.valueOf(elsewhere.port())), "the Location is not passed on: " + body);
                sampleAgainst(Fault.redirect(status, elsewhere.baseUrl() + "/audio/speech"), 502, "upstream_redirect");
            }
            assertEquals(0, elsewhere.connectionsAccepted(), "the redirect target never even got a connection");
            assertEquals(List.of(), elsewhere.requests());
        }
    }

    @Test
    void authErrorsThatEchoTheKeyNeverShowIt() {
        String key = Arena.KEY;
        String masked = key.substring(0, 12) + "****" + key.substring(key.length() - 4);
        String bare = key.substring(8, 30);
        String echo = "{\"error\":{\"message\":\"Incorrect API key provided: " + masked + ". Your key " + key + " was used by "
                + "org-secretcorp.\",\"type\":\"invalid_request_error\",\"param\":\"" + bare + "\",\"code\":\"" + key + "\"}}";
        for (int status : new int[] {401, 403}) {
            JsonNode body = mintAgainst(Fault.status(status, echo).header("WWW-Authenticate", "Bearer error=\"invalid_token\", key=\"" + key + "\"")
                    .header("X-Echo", key), 502, "upstream_auth");
            assertEquals(status, body.path("upstream_status").asInt());
            assertFalse(body.toString().contains("Incorrect API key"), "their message is never passed on");
        }
        JsonNode partial = mintAgainst(Fault.status(401, "{\"error\":{\"code\":\"invalid_api_key\",\"param\":\"" + bare.substring(0, 14)
                + "\"}}"), 502, "upstream_auth");
        assertEquals("invalid_api_key", partial.path("upstream_code").asText(), "an ordinary code still goes on: " + partial);
        assertEquals(3, arena.upstreamMints(), "auth failures are never retried with another model");
    }

    @Test
    void upstreamRateLimitsPassOnABoundedRetryAfter() {
        String[][] cases = {{"7", "7"}, {"999999", "3600"}, {"-5", "1"}, {"0", "1"}, {"Wed, 21 Oct 2026 07:28:00 GMT", "5"},
            {"1e9", "5"}, {null, "5"}};
        for (String[] c : cases) {
            arena.fake.clearFaults();
            Fault fault = Fault.status(429);
            if (c[0] != null) {
                fault = fault.header("Retry-After", c[0]);
            }
            arena.fake.faultAlways(Arena.MINT_PATH, fault);
            RawHttp.Response response = arena.mint();
            assertRefusal(response, 503, "upstream_rate_limited");
            assertEquals(c[1], response.header("Retry-After"), "Retry-After " + c[0]);
        }
        assertEquals(cases.length, arena.upstreamMints(), "a 429 is not retried with the next model");
    }

    @Test
    void aBlackHoleAndAClosedPortAreTimeoutAndUnavailable() throws Exception {
        ServerSocket blackHole = new ServerSocket();
        blackHole.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        int port = blackHole.getLocalPort();
        try (Arena lost = Arena.builder().baseUrl("http://127.0.0.1:" + port + "/v1")
                .env("VOICE_UPSTREAM_TIMEOUT", String.valueOf(TIMEOUT_SECONDS)).start()) {
            // The kernel completes the handshake from the backlog, then nothing ever answers.
            long start = System.nanoTime();
            assertRefusal(lost.mint(), 504, "upstream_timeout");
            assertTrue((System.nanoTime() - start) / 1_000_000 < IN_TIME_MILLIS);
            blackHole.close();
            start = System.nanoTime();
            assertRefusal(lost.mint(), 502, "upstream_unavailable");
            assertTrue((System.nanoTime() - start) / 1_000_000 < IN_TIME_MILLIS);
            JsonNode refused = assertRefusal(lost.mint(), 502, "upstream_unavailable");
            assertTrue(refused.path("message").asText().contains("refused"), "a fresh connection is refused: " + refused);
            assertEquals(200, lost.send(lost.request("GET", "/api/health")).status(), "health still answers");
        } finally {
            blackHole.close();
        }
    }

    @Test
    void certificatesThatAreSelfSignedOrForTheWrongNameAreRefusedBeforeTheKeyIsSent() {
        SelfSignedCert wrongName = SelfSignedCert.forNames("wrong.example");
        SelfSignedCert rightName = SelfSignedCert.forNames("localhost", "127.0.0.1");
        // Self-signed and not trusted: the default trust store refuses it.
        Arena.with(Arena.builder().fake(FakeOpenAi.https(rightName).start()), untrusted -> {
            JsonNode body = assertRefusal(untrusted.mint(), 502, "upstream_unavailable");
            assertTrue(body.path("message").asText().contains("TLS"), body.toString());
            assertEquals(List.of(), untrusted.fake.requests(), "no request, so no key, crossed the refused connection");
            assertTrue(untrusted.fake.tlsHandshakeFailures() >= 1);
        });
        // Trusted, but issued for another name: hostname verification refuses it.
        Arena.with(Arena.builder().fake(FakeOpenAi.https(wrongName).start()).jvmArgs(wrongName.trustStoreJvmArgs()), misnamed -> {
            JsonNode body = assertRefusal(misnamed.mint(), 502, "upstream_unavailable");
            assertTrue(body.path("message").asText().contains("TLS"), body.toString());
            assertEquals(List.of(), misnamed.fake.requests());
        });
        // The control: trusted and for the right name, the same setup mints, so the refusals above are the certificates'.
        Arena.with(Arena.builder().fake(FakeOpenAi.https(rightName).start()).jvmArgs(rightName.trustStoreJvmArgs()),
                trusted -> trusted.assertMints("over TLS with a trusted certificate for the right name"));
    }

    @Test
    void speechFaultsGetTheSameCodes() {
        sampleAgainst(Fault.hang(), 504, "upstream_timeout");
        sampleAgainst(Fault.html(500, "<html>org-secretcorp</html>"), 502, "upstream_unavailable");
        sampleAgainst(Fault.status(401, "{\"error\":{\"message\":\"key " + Arena.KEY + "\",\"code\":\"invalid_api_key\"}}"), 502, "upstream_auth");
        sampleAgainst(Fault.body(200, "text/html", "<html>not audio</html>"), 502, "upstream_unavailable");
        // Once audio has started, a reset can only cut the stream short; the broker must not hang or die.
        arena.fake.clearFaults();
        arena.fake.speechBytes(256 * 1024);
        arena.fake.faultAlways(SPEECH_PATH, Fault.resetMidResponse());
        try {
            RawHttp.Response cut = arena.send(RawHttp.client().timeout(Duration.ofSeconds(10)),
                    arena.legit("POST", "/api/sample", "{\"voice\":\"marin\"}"));
            assertTrue(cut.status() == 200 && cut.bodyBytes().length < 256 * 1024 || cut.status() >= 500, "cut short: " + cut.status());
        } catch (UncheckedIOException cutMidStream) {
            // the chunked answer ended without its last chunk: the page sees a broken stream, which is right
        } finally {
            arena.fake.speechBytes(8 * 1024);
        }
    }

    @Test
    void hungCallsFillOnlyTheirBudgetAndEveryoneElseIsAnsweredAtOnce() throws Exception {
        try (Arena small = Arena.builder().env("VOICE_UPSTREAM_CONCURRENCY", "2")
                .env("VOICE_UPSTREAM_TIMEOUT", String.valueOf(TIMEOUT_SECONDS)).start()) {
            small.fake.faultAlways(Arena.MINT_PATH, Fault.hang());
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<RawHttp.Response>> hung = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    hung.add(pool.submit(small::mint));
                }
                small.fake.awaitRequests(r -> r.path().equals(Arena.MINT_PATH), 2, Duration.ofSeconds(5));
                long start = System.nanoTime();
                RawHttp.Response third = small.mint();
                assertRefusal(third, 429, "rate_limited");
                assertTrue(Integer.parseInt(third.header("Retry-After")) >= 1);
                RawHttp.Response health = small.send(small.request("GET", "/api/health"));
                assertEquals(200, health.status());
                assertTrue((System.nanoTime() - start) / 1_000_000 < 1_000, "answered at once, not queued behind the hung calls");
                for (Future<RawHttp.Response> call : hung) {
                    assertRefusal(call.get(10, TimeUnit.SECONDS), 504, "upstream_timeout");
                }
            } finally {
                pool.shutdownNow();
            }
            small.fake.clearFaults();
            small.assertMints("once the hung calls timed out");
        }
    }
}
