package voicebroker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static voicebroker.http.InProcessBroker.ORIGIN;
import static voicebroker.http.InProcessBroker.PORT;
import static voicebroker.http.InProcessBroker.TOKEN;
import static voicebroker.http.InProcessBroker.dashboard;
import static voicebroker.http.InProcessBroker.request;
import static voicebroker.testkit.Refusals.assertNoCors;
import static voicebroker.testkit.Refusals.assertRefusal;
import static voicebroker.testkit.Refusals.assertSafeHeaders;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import voicebroker.config.Limits;
import voicebroker.guard.PeerUser;
import voicebroker.guard.SameUserGuard;
import voicebroker.testkit.Answer;
import voicebroker.testkit.FakeOpenAi;

/**
 * The whole request pipeline, in-process, one row per sentence of the threat model: who asks, what they send,
 * and what the broker answers. Every refusal is checked strictly (code, status, message, hint, safe headers) along
 * with what must not happen: no upstream call, no key in the answer, and no CORS grant to an origin that is not
 * allowed. The rows that succeed show the same request passes once the one thing wrong with it is fixed, so a
 * guard taken out of the pipeline turns its row green-to-red. Process-level behaviour (JVM flags, sockets, slow
 * clients, log files) stays in the integration tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerPipelineTest {
    private static final String MINT = "{\"voice\":\"marin\"}";
    private static final String HOST = "localhost:" + PORT;
    private FakeOpenAi fake;
    private InProcessBroker broker;

    @BeforeAll
    void start() {
        fake = FakeOpenAi.http().start();
        broker = InProcessBroker.against(fake, config -> config.limits(Limits.defaults().withCallRates(8, 1000)));
    }

    @AfterAll
    void stop() {
        fake.close();
    }

    /** A row: the sentence, the request, and the answer (status and code; a null code means the route answered). */
    private static Arguments row(String sentence, InProcessBroker.Request request, int status, String code) {
        return Arguments.of(sentence, request, status, code);
    }

    Stream<Arguments> rows() {
        List<Arguments> rows = new ArrayList<>();
        rows.add(row("the dashboard page mints a secret", dashboard("/api/session", MINT), 200, null));
        rows.add(row("a script without Origin that holds the token mints too (the token is the gate)",
                dashboard("/api/session", MINT).set("Origin", null), 200, null));
        rows.add(row("anyone on this machine may read health, under every loopback name",
                request("GET", "/api/health").set("Host", "[::1]:" + PORT), 200, null));
        rows.add(row("health under 127.0.0.1", request("GET", "/api/health").set("Host", "127.0.0.1:" + PORT), 200, null));

        // rule 1: loopback only, judged on the socket's peer
        rows.add(row("a host on the network is refused", dashboard("/api/session", MINT).peer("192.0.2.7"), 403, "non_loopback"));
        rows.add(row("a network peer does not become local by saying X-Forwarded-For: 127.0.0.1",
                dashboard("/api/session", MINT).peer("192.0.2.7").header("X-Forwarded-For", "127.0.0.1")
                        .header("Forwarded", "for=127.0.0.1").header("X-Real-IP", "127.0.0.1"), 403, "non_loopback"));
        rows.add(row("a local peer does not become foreign by saying X-Forwarded-For",
                request("GET", "/api/health").header("X-Forwarded-For", "203.0.113.9").header("Forwarded", "for=203.0.113.9")
                        .header("X-Real-IP", "203.0.113.9"), 200, null));
        rows.add(row("an IPv4-mapped IPv6 loopback peer is this machine", dashboard("/api/session", MINT).peer(mapped(127, 0, 0, 1)), 200, null));
        rows.add(row("an IPv4-mapped IPv6 network peer is not", dashboard("/api/session", MINT).peer(mapped(192, 0, 2, 7)), 403, "non_loopback"));

        // rule 2: Host first
        rows.add(row("a rebinding page sends its own name as Host and is refused, allowed Origin or not",
                dashboard("/api/session", MINT).set("Host", "rebind.attacker.example:" + PORT), 403, "bad_host"));
        for (String host : List.of("attacker.example:" + PORT, "0.0.0.0:" + PORT, "localhost.:" + PORT, "localhost:" + (PORT + 1),
                "127.0.0.2:" + PORT, "LOCALHOST.attacker.example:" + PORT)) {
            rows.add(row("a rebinding read of health with Host " + host + " learns nothing",
                    request("GET", "/api/health").set("Host", host), 403, "bad_host"));
        }
        rows.add(row("a request without Host is refused", request("GET", "/api/health").set("Host", null), 400, "bad_host"));
        rows.add(row("two Host headers are refused", request("GET", "/api/health").header("Host", HOST), 400, "bad_host"));
        rows.add(row("an absolute-form target is refused before routing",
                request("GET", "http://attacker.example/api/health"), 400, "bad_host"));
        rows.add(row("a malformed Host is refused", request("GET", "/api/health").set("Host", "local host:" + PORT), 400, "bad_host"));

        // rule 3: exact origins
        for (String origin : List.of("http://localhost:3000", "null", "http://localhost:5173.attacker.example", "http://localhost:51730",
                "https://localhost:5173", "http://127.0.0.1:3000", "http://localhost:5173/", "HTTP://localhost:5173")) {
            rows.add(row("the page at " + origin + " may not mint", dashboard("/api/session", MINT).set("Origin", origin), 403,
                    "forbidden_origin"));
        }
        rows.add(row("two Origin headers are refused", dashboard("/api/session", MINT).header("Origin", ORIGIN), 403, "forbidden_origin"));
        rows.add(row("a browser that sends no Origin but says cross-site is refused",
                dashboard("/api/session", MINT).set("Origin", null).header("Sec-Fetch-Site", "cross-site"), 403, "forbidden_origin"));
        rows.add(row("a same-site browser request without Origin is not the dashboard either",
                dashboard("/api/session", MINT).set("Origin", null).header("Sec-Fetch-Site", "same-site"), 403, "forbidden_origin"));
        rows.add(row("a foreign preflight gets no CORS grant", preflight("http://localhost:3000", "POST", "authorization,content-type"),
                403, "forbidden_origin"));
        rows.add(row("a preflight without Origin is not answered", preflight(null, "POST", "content-type"), 403, "forbidden_origin"));

        // routes and methods
        rows.add(row("an unknown path is not found", request("GET", "/api/nothing"), 404, "not_found"));
        rows.add(row("a token in the path is just an unknown path", dashboard("/api/session/" + TOKEN, MINT), 404, "not_found"));
        rows.add(row("minting takes POST only", request("GET", "/api/session"), 405, "method_not_allowed"));
        rows.add(row("health takes GET only", dashboard("/api/health", "{}"), 405, "method_not_allowed"));
        rows.add(row("the dashboard's preflight is answered for the route's own method and headers",
                preflight(ORIGIN, "POST", "authorization,content-type"), 204, null));
        rows.add(row("a preflight for a method the route does not take is refused", preflight(ORIGIN, "DELETE", null), 405,
                "method_not_allowed"));
        rows.add(row("a preflight for a header the broker does not take is refused", preflight(ORIGIN, "POST", "authorization,x-evil"), 400,
                "invalid_request"));

        // rule 4: no simple-request CSRF
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "text/plain; a=application/json", "application/json; charset=latin1", "application/jsonx")) {
            rows.add(row("a cross-site form post as " + type + " never reaches a route",
                    dashboard("/api/session", MINT).set("Content-Type", type), 415, "unsupported_media_type"));
        }
        rows.add(row("a post without Content-Type is refused", dashboard("/api/session", MINT).set("Content-Type", null), 415,
                "unsupported_media_type"));
        rows.add(row("two Content-Type headers are refused",
                dashboard("/api/session", MINT).header("Content-Type", "application/json"), 415, "unsupported_media_type"));

        // rule 5: the token gate
        rows.add(row("a page without the token may not mint", dashboard("/api/session", MINT).set("Authorization", null), 401, "missing_token"));
        rows.add(row("a wrong token is refused", dashboard("/api/session", MINT).set("Authorization", "Bearer " + TOKEN + "x"), 401,
                "bad_token"));
        rows.add(row("a token in the query string is not a token",
                request("POST", "/api/session?token=" + TOKEN).header("Origin", ORIGIN).header("Content-Type", "application/json")
                        .body(MINT), 401, "missing_token"));
        rows.add(row("a token in a cookie is not a token",
                dashboard("/api/session", MINT).set("Authorization", null).header("Cookie", "token=" + TOKEN), 401, "missing_token"));
        rows.add(row("a token in the body is not a token",
                dashboard("/api/session", "{\"token\":\"" + TOKEN + "\"}").set("Authorization", null), 401, "missing_token"));
        rows.add(row("two tokens are ambiguous and refused",
                dashboard("/api/session", MINT).header("Authorization", "Bearer " + TOKEN), 401, "bad_token"));
        rows.add(row("a token in another scheme than Bearer is refused",
                dashboard("/api/session", MINT).set("Authorization", "Basic " + TOKEN), 401, "bad_token"));
        rows.add(row("with the right header, a token field in the body is an unknown field",
                dashboard("/api/session", "{\"token\":\"x\"}"), 400, "invalid_request"));

        // rule 6 and strict fields: nothing from the page shapes the upstream call but a voice and a mode
        for (String field : List.of("key", "apiKey", "api_key", "openai_api_key", "authorization", "client_secret")) {
            rows.add(row("a page that sends a key as '" + field + "' is told keys come only from the broker",
                    dashboard("/api/session", "{\"" + field + "\":\"sk-test-from-browser-000000\"}"), 400, "key_from_browser"));
        }
        for (String body : List.of("{\"model\":\"gpt-4o\"}", "{\"base\":\"https://evil.example\"}", "{\"voice\":\"../etc\"}",
                "{\"voice\":7}", "{\"mode\":\"nonexistent\"}", "{\"mode\":\"UPPER\"}")) {
            rows.add(row("the page cannot choose a model, base or odd value: " + body, dashboard("/api/session", body), 400, "invalid_request"));
        }
        rows.add(row("speech input is required", dashboard("/api/tts", "{}"), 400, "invalid_request"));
        rows.add(row("speech speed is bounded", dashboard("/api/tts", "{\"input\":\"hi\",\"speed\":9}"), 400, "invalid_request"));
        rows.add(row("an unknown speech format is refused", dashboard("/api/tts", "{\"input\":\"hi\",\"format\":\"exe\"}"), 400,
                "invalid_request"));

        // rule 8: bounded and strict parsing
        rows.add(row("a body over 16 KiB is refused", dashboard("/api/session", "{\"voice\":\"" + "a".repeat(17 * 1024) + "\"}"), 413,
                "body_too_large"));
        rows.add(row("a declared length over the limit is refused before reading",
                dashboard("/api/session", MINT).set("Content-Length", "999999"), 413, "body_too_large"));
        rows.add(row("a header section over 8 KiB is refused", request("GET", "/api/health").header("X-Filler", "b".repeat(9 * 1024)), 431,
                "headers_too_large"));
        rows.add(row("broken JSON is refused", dashboard("/api/session", "{\"voice\":"), 400, "bad_json"));
        rows.add(row("a JSON array is not an object", dashboard("/api/session", "[1,2]"), 400, "bad_json"));
        rows.add(row("a duplicated field is ambiguous and refused", dashboard("/api/session", "{\"voice\":\"a\",\"voice\":\"b\"}"), 400,
                "bad_json"));
        rows.add(row("trailing data after the object is refused", dashboard("/api/session", "{} {}"), 400, "bad_json"));
        rows.add(row("Content-Length and Transfer-Encoding together are refused",
                dashboard("/api/session", MINT).header("Transfer-Encoding", "chunked"), 400, "invalid_request"));
        rows.add(row("two Content-Length headers are refused", dashboard("/api/session", MINT).header("Content-Length", "17"), 400,
                "invalid_request"));
        return rows.stream();
    }

    /** {@code ::ffff:a.b.c.d} as a dual-stack socket reports an IPv4 peer (the JDK would otherwise unwrap it). */
    private static InetAddress mapped(int a, int b, int c, int d) {
        byte[] bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) a, (byte) b, (byte) c, (byte) d};
        try {
            return Inet6Address.getByAddress(null, bytes, -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InProcessBroker.Request preflight(String origin, String method, String headers) {
        InProcessBroker.Request request = request("OPTIONS", "/api/session").header("Access-Control-Request-Method", method);
        if (origin != null) {
            request.header("Origin", origin);
        }
        return headers == null ? request : request.header("Access-Control-Request-Headers", headers);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void eachCallerGetsWhatTheThreatModelSays(String sentence, InProcessBroker.Request request, int status, String code) {
        int mintsBefore = fake.requestsTo("/v1/realtime/client_secrets").size();
        Answer answer = broker.send(request);
        int upstreamCalls = fake.requestsTo("/v1/realtime/client_secrets").size() - mintsBefore;
        if (code == null) {
            assertEquals(status, answer.status(), answer.toString());
            assertSafeHeaders(answer);
            boolean mints = request.toString().startsWith("POST /api/session");
            assertEquals(mints ? 1 : 0, upstreamCalls, "one upstream call per mint, none for anything else");
        } else {
            assertRefusal(answer, status, code);
            assertEquals(0, upstreamCalls, "a refusal calls no upstream");
            assertFalse(answer.json().has("keyed"), "nothing of health leaks into a refusal");
        }
        assertFalse(answer.body().contains(FakeOpenAi.DEFAULT_KEY), "no key in any answer");
        assertFalse(code != null && answer.body().contains(TOKEN), "no refusal echoes the token");
        if (!request.toString().contains("Origin: " + ORIGIN) || code != null && (code.equals("forbidden_origin") || code.equals("bad_host")
                || code.equals("non_loopback") || code.equals("headers_too_large"))) {
            assertNoCors(answer);
        }
    }

    @Test
    void anotherOsUsersConnectionIsRefusedWhateverItForges(@TempDir Path tables) throws IOException {
        // The kernel's table: the caller at 127.0.0.1:40000 (9C40) -> the broker at 127.0.0.1:8099 (1FA3), and whose it is.
        String header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        String line = "   0: 0100007F:%04X 0100007F:1FA3 01 00000000:00000000 00:00000000 00000000 %5d        0 1 1 0 20 4 30 10 -1\n";
        Files.writeString(tables.resolve("tcp"), header + String.format(line, 40000, 65534) + String.format(line, 40001, 1000));
        InProcessBroker judged = InProcessBroker.against(fake, config -> config,
                new SameUserGuard(new PeerUser(tables), OptionalInt.of(1000)));
        int mints = fake.requestsTo("/v1/realtime/client_secrets").size();
        assertRefusal(judged.send(dashboard("/api/session", MINT).peerPort(40000)), 403, "foreign_user");
        assertEquals(mints, fake.requestsTo("/v1/realtime/client_secrets").size(), "another user's request reaches no upstream");
        assertRefusal(judged.send(request("GET", "/api/health").peerPort(40000)), 403, "foreign_user");
        assertRefusal(judged.send(request("GET", "/api/health").peerPort(40002)), 403, "foreign_user");
        assertEquals(200, judged.send(dashboard("/api/session", MINT).peerPort(40001)).status(), "the broker's own user mints");
        assertEquals(204, judged.send(preflight(ORIGIN, "POST", "content-type").peerPort(40001)).status());
        assertRefusal(judged.send(preflight(ORIGIN, "POST", "content-type").peerPort(40000)), 403, "foreign_user");
        // The socket table costs a read of the kernel's connection hash, so every cheaper refusal comes first.
        assertRefusal(judged.send(dashboard("/api/session", MINT).set("Authorization", "Bearer wrong").peerPort(40000)), 401, "bad_token");
        assertRefusal(judged.send(dashboard("/api/session", MINT).set("Origin", "http://localhost:3000").peerPort(40000)), 403,
                "forbidden_origin");
    }

    @Test
    void theDashboardGetsCorsHeadersForItsOwnOriginOnly() {
        Answer ok = broker.send(dashboard("/api/session", MINT));
        assertEquals(ORIGIN, ok.header("Access-Control-Allow-Origin"));
        assertEquals("Retry-After", ok.header("Access-Control-Expose-Headers"));
        assertEquals("same-origin", ok.header("Cross-Origin-Resource-Policy"));
        Answer refused = broker.send(dashboard("/api/session", "{\"voice\":7}"));
        assertEquals(ORIGIN, refused.header("Access-Control-Allow-Origin"), "the page can read why it was refused");
        assertNull(refused.header("Cross-Origin-Resource-Policy"), "refusals go without CORP, so a probe can tell refused from dead");
    }

    @Test
    void aPreflightNamesOnlyTheRoutesMethodsAndHeaders() {
        Answer ok = broker.send(preflight(ORIGIN, "POST", "authorization,content-type").header("Access-Control-Request-Private-Network", "true"));
        assertEquals(204, ok.status());
        assertEquals(ORIGIN, ok.header("Access-Control-Allow-Origin"));
        assertEquals("POST", ok.header("Access-Control-Allow-Methods"));
        assertEquals("authorization, content-type", ok.header("Access-Control-Allow-Headers"));
        assertEquals("600", ok.header("Access-Control-Max-Age"));
        assertEquals("true", ok.header("Access-Control-Allow-Private-Network"));
        assertNull(ok.header("Access-Control-Allow-Credentials"));
        Answer badHeader = broker.send(preflight(ORIGIN, "POST", "authorization,x-evil"));
        assertNull(badHeader.header("Access-Control-Allow-Headers"));
        assertEquals("Access-Control-Request-Headers", badHeader.json().path("field").asText());
        assertTrue(badHeader.json().path("message").asText().contains("'x-evil'"), "a header name is named");
        Answer tokenAsName = broker.send(preflight(ORIGIN, "POST", TOKEN.toUpperCase(java.util.Locale.ROOT)));
        assertFalse(tokenAsName.body().toLowerCase(java.util.Locale.ROOT).contains(TOKEN.toLowerCase(java.util.Locale.ROOT).substring(0, 12)),
                "a secret-length name comes back in no case: " + tokenAsName.body());
    }

    @Test
    void aWrongMethodIsToldWhichOneToUse() {
        Answer get = broker.send(request("GET", "/api/session"));
        assertEquals("POST", get.header("Allow"));
        assertTrue(get.json().path("hint").asText().contains("POST"));
    }

    @Test
    void healthSaysWhatABrokerIsWithoutSpendingAnything() {
        Answer health = broker.send(request("GET", "/api/health"));
        assertEquals(200, health.status());
        assertTrue(health.json().path("ok").asBoolean());
        assertTrue(health.json().path("keyed").asBoolean());
        assertEquals("voice-broker", health.json().path("service").asText());
        assertFalse(health.body().contains(TOKEN));
    }

    @Test
    void aBrokerWithoutAKeyAnswersNoKeyAfterEveryOtherCheck() {
        InProcessBroker unkeyed = InProcessBroker.unkeyed();
        assertRefusal(unkeyed.send(dashboard("/api/session", MINT)), 503, "no_key");
        assertRefusal(unkeyed.send(dashboard("/api/tts", "{\"input\":\"hi\"}")), 503, "no_key");
        assertRefusal(unkeyed.send(dashboard("/api/session", MINT).set("Authorization", null)), 401, "missing_token");
        assertRefusal(unkeyed.send(dashboard("/api/session", "{\"model\":\"gpt-4o\"}")), 400, "invalid_request");
        assertFalse(unkeyed.send(request("GET", "/api/health")).json().path("keyed").asBoolean());
    }

    @Test
    void wrongTokensAreThrottledButTheRightOneStillWorks() {
        InProcessBroker own = InProcessBroker.against(fake);
        for (int i = 0; i < 10; i++) {
            assertRefusal(own.send(dashboard("/api/session", MINT).set("Authorization", "Bearer wrong-" + i)), 401, "bad_token");
        }
        Answer throttled = own.send(dashboard("/api/session", MINT).set("Authorization", "Bearer wrong-again"));
        assertRefusal(throttled, 429, "too_many_failures");
        assertTrue(Integer.parseInt(throttled.header("Retry-After")) >= 1);
        assertEquals(200, own.send(dashboard("/api/session", MINT)).status(), "the dashboard is not locked out");
    }

    @Test
    void theCallBudgetCountsMintsAndIsGivenBackWhateverTheOutcome() {
        InProcessBroker budgeted = InProcessBroker.against(fake, config -> config.limits(Limits.defaults().withCallRates(1, 3)));
        fake.faultNext("/realtime/client_secrets", 1, voicebroker.testkit.Fault.status(500));
        assertEquals(502, budgeted.send(dashboard("/api/session", MINT)).status(), "an upstream failure");
        assertEquals(200, budgeted.send(dashboard("/api/session", MINT)).status(), "the failed call gave its place in flight back");
        assertEquals(200, budgeted.send(dashboard("/api/session", MINT)).status());
        Answer limited = budgeted.send(dashboard("/api/session", MINT));
        assertRefusal(limited, 429, "rate_limited");
        assertTrue(Integer.parseInt(limited.header("Retry-After")) >= 1);
        assertEquals(ORIGIN, limited.header("Access-Control-Allow-Origin"), "the page can read Retry-After");
        assertEquals("Retry-After", limited.header("Access-Control-Expose-Headers"));
    }

    @Test
    void speechStreamsTheUpstreamsAudio() {
        Answer speech = broker.send(dashboard("/api/tts", "{\"input\":\"Hello there\",\"voice\":\"cedar\",\"format\":\"opus\"}"));
        assertEquals(200, speech.status(), speech.toString());
        assertTrue(speech.header("Content-Type").startsWith("audio/"), speech.header("Content-Type"));
        assertFalse(speech.body().isEmpty());
        assertSafeHeaders(speech);
        var sent = fake.requestsTo("/v1/audio/speech");
        var last = sent.get(sent.size() - 1).json();
        assertEquals("cedar", last.path("voice").asText());
        assertEquals("opus", last.path("response_format").asText());
        assertEquals(BrokerRoutes.TTS_MODEL, last.path("model").asText(), "the page never picks the model");
    }
}
