package voicebroker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static voicebroker.it.Client.assertRefusal;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.RawHttp;

/**
 * One test per guard against a running broker. Each asserts the refusal and what must not happen: no upstream
 * call (the fake records every request), no key in the answer, no CORS header for a foreign origin. Removing
 * a guard from the pipeline makes its test fail, because the same request with the guard gone would mint.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerGuardsIT {
    private FakeOpenAi fake;
    private BrokerProcess broker;
    private Client client;

    @BeforeAll
    void start() {
        fake = FakeOpenAi.http().start();
        broker = BrokerProcess.start(Brokers.against(fake, "VOICE_CALLS_PER_MINUTE", "1000"));
        client = new Client(broker);
    }

    @AfterAll
    void stop() {
        broker.close();
        fake.close();
    }

    @BeforeEach
    void clean() {
        fake.clear();
    }

    private void assertNothingReachedTheUpstream(HttpResponse<String> response) {
        assertEquals(0, fake.requestsTo("/v1/realtime/client_secrets").size(), "no upstream call");
        assertFalse(response.body().contains(FakeOpenAi.DEFAULT_KEY), "no key in the answer");
    }

    private RawHttp.Response raw(String method, String target, String host, String... headerPairs) {
        RawHttp.Request request = RawHttp.request(method, target);
        if (host != null) {
            request.header("Host", host);
        }
        for (int i = 0; i < headerPairs.length; i += 2) {
            request.header(headerPairs[i], headerPairs[i + 1]);
        }
        return request.send("127.0.0.1", broker.port());
    }

    private String mintBody() {
        return "{\"voice\":\"marin\"}";
    }

    @Test
    void theSameRequestWithEveryGuardSatisfiedMints() {
        RawHttp.Response response = RawHttp.request("POST", "/api/session").header("Host", "localhost:" + broker.port())
                .header("Origin", Client.ORIGIN).header("Authorization", "Bearer " + client.token())
                .header("Content-Type", "application/json").body(mintBody()).send("127.0.0.1", broker.port());
        assertEquals(200, response.status(), response.body());
        assertEquals(1, fake.requestsTo("/v1/realtime/client_secrets").size());
    }

    @Test
    void hostGuardRefusesAForeignHostEvenWithAnAllowedOrigin() {
        RawHttp.Response response = RawHttp.request("POST", "/api/session").header("Host", "rebind.attacker.example:" + broker.port())
                .header("Origin", Client.ORIGIN).header("Authorization", "Bearer " + client.token())
                .header("Content-Type", "application/json").body(mintBody()).send("127.0.0.1", broker.port());
        assertEquals(403, response.status());
        assertEquals("bad_host", response.json().path("error").asText());
        assertNull(response.header("Access-Control-Allow-Origin"));
        assertEquals(0, fake.requestsTo("/v1/realtime/client_secrets").size());
    }

    @Test
    void hostGuardRefusesRebindingReadsOfHealth() {
        for (String host : new String[] {"attacker.example:" + broker.port(), "0.0.0.0:" + broker.port(), "localhost.:" + broker.port()}) {
            RawHttp.Response response = raw("GET", "/api/health", host);
            assertEquals(403, response.status(), host);
            assertEquals("bad_host", response.json().path("error").asText());
            assertFalse(response.body().contains("keyed"), "nothing of health leaks");
        }
    }

    @Test
    void hostGuardAnswers400ForMissingDuplicateAndAbsoluteForm() {
        assertEquals(400, raw("GET", "/api/health", null).status());
        RawHttp.Response twice = RawHttp.request("GET", "/api/health").header("Host", "localhost:" + broker.port())
                .header("Host", "localhost:" + broker.port()).send("127.0.0.1", broker.port());
        assertEquals(400, twice.status());
        assertEquals("bad_host", twice.json().path("error").asText());
        RawHttp.Response absolute = raw("GET", "http://attacker.example/api/health", "localhost:" + broker.port());
        assertEquals(400, absolute.status());
        assertEquals("bad_host", absolute.json().path("error").asText());
    }

    @Test
    void originGuardRefusesOtherOriginsWithoutCorsHeaders() {
        for (String origin : new String[] {"http://localhost:3000", "null", "http://localhost:5173.attacker.example",
                "http://localhost:51730", "https://localhost:5173", "http://127.0.0.1:3000"}) {
            HttpResponse<String> response = client.post("/api/session", mintBody(), origin, client.token(), "application/json");
            assertRefusal(response, 403, "forbidden_origin");
            assertFalse(response.headers().firstValue("access-control-allow-origin").isPresent(), origin);
            assertNothingReachedTheUpstream(response);
        }
    }

    @Test
    void originGuardRefusesForeignPreflights() {
        RawHttp.Response response = raw("OPTIONS", "/api/session", "localhost:" + broker.port(), "Origin", "http://localhost:3000",
                "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type");
        assertEquals(403, response.status());
        assertNull(response.header("Access-Control-Allow-Origin"));
        assertNull(response.header("Access-Control-Allow-Methods"));
    }

    @Test
    void allowedPreflightNamesOnlyTheRoutesMethodsAndHeaders() {
        RawHttp.Response ok = raw("OPTIONS", "/api/session", "localhost:" + broker.port(), "Origin", Client.ORIGIN,
                "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type");
        assertEquals(204, ok.status());
        assertEquals(Client.ORIGIN, ok.header("Access-Control-Allow-Origin"));
        assertEquals("POST", ok.header("Access-Control-Allow-Methods"));
        RawHttp.Response moreMethods = raw("OPTIONS", "/api/session", "localhost:" + broker.port(), "Origin", Client.ORIGIN,
                "Access-Control-Request-Method", "DELETE");
        assertEquals(405, moreMethods.status());
        RawHttp.Response moreHeaders = raw("OPTIONS", "/api/session", "localhost:" + broker.port(), "Origin", Client.ORIGIN,
                "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,x-evil");
        assertEquals(400, moreHeaders.status());
        assertNull(moreHeaders.header("Access-Control-Allow-Headers"));
    }

    @Test
    void contentTypeGuardRefusesSimpleCrossSiteFormPosts() {
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain; a=application/json"}) {
            HttpResponse<String> response = client.post("/api/session", mintBody(), Client.ORIGIN, client.token(), type);
            assertRefusal(response, 415, "unsupported_media_type");
            assertNothingReachedTheUpstream(response);
        }
    }

    @Test
    void tokenGuardRefusesMissingAndWrongTokens() {
        HttpResponse<String> missing = client.post("/api/session", mintBody(), Client.ORIGIN, null, "application/json");
        assertRefusal(missing, 401, "missing_token");
        assertNothingReachedTheUpstream(missing);
        HttpResponse<String> wrong = client.post("/api/session", mintBody(), Client.ORIGIN, client.token() + "x", "application/json");
        assertRefusal(wrong, 401, "bad_token");
        assertNothingReachedTheUpstream(wrong);
    }

    @Test
    void tokenIsNeverTakenFromQueryCookieOrBody() {
        String token = client.token();
        RawHttp.Response query = raw("POST", "/api/session?token=" + token, "localhost:" + broker.port(), "Origin", Client.ORIGIN,
                "Content-Type", "application/json");
        assertEquals(401, query.status());
        RawHttp.Response cookie = raw("POST", "/api/session", "localhost:" + broker.port(), "Origin", Client.ORIGIN,
                "Cookie", "token=" + token, "Content-Type", "application/json");
        assertEquals(401, cookie.status());
        HttpResponse<String> body = client.post("/api/session", "{\"token\":\"" + token + "\"}", Client.ORIGIN, null, "application/json");
        assertRefusal(body, 401, "missing_token");
        assertEquals(0, fake.requestsTo("/v1/realtime/client_secrets").size());
        assertFalse(broker.stderr().contains(token), "the token never reaches the log, even from a query string");
    }

    @Test
    void aKeyFromTheBrowserIsRefusedWithItsOwnCode() {
        for (String field : new String[] {"key", "apiKey", "api_key", "openai_api_key"}) {
            HttpResponse<String> response = client.post("/api/session", "{\"" + field + "\":\"sk-test-from-browser-000000\"}");
            assertRefusal(response, 400, "key_from_browser");
            assertNothingReachedTheUpstream(response);
        }
    }

    @Test
    void bodyAndHeaderLimitsAnswerTheirCodes() {
        String big = "{\"voice\":\"" + "a".repeat(17 * 1024) + "\"}";
        assertRefusal(client.post("/api/session", big), 413, "body_too_large");
        RawHttp.Response headers = raw("GET", "/api/health", "localhost:" + broker.port(), "X-Filler", "b".repeat(9 * 1024));
        assertEquals(431, headers.status());
        assertEquals("headers_too_large", headers.json().path("error").asText());
        assertRefusal(client.post("/api/session", "{\"voice\":"), 400, "bad_json");
        assertRefusal(client.post("/api/session", "[1,2]"), 400, "bad_json");
        assertRefusal(client.post("/api/session", "{\"voice\":\"a\",\"voice\":\"b\"}"), 400, "bad_json");
        assertEquals(0, fake.requestsTo("/v1/realtime/client_secrets").size());
    }

    @Test
    void unknownRoutesAndMethodsAreRefused() {
        assertRefusal(client.get("/api/nothing", null), 404, "not_found");
        HttpResponse<String> get = client.get("/api/session", null);
        assertRefusal(get, 405, "method_not_allowed");
        assertEquals("POST", get.headers().firstValue("allow").orElse(""));
    }

    @Test
    void forwardedHeadersDoNotMakeAPeerLocalOrForeign() {
        RawHttp.Response response = raw("GET", "/api/health", "localhost:" + broker.port(),
                "X-Forwarded-For", "203.0.113.9", "Forwarded", "for=203.0.113.9", "X-Real-IP", "203.0.113.9");
        assertEquals(200, response.status(), "only the socket's peer counts");
    }

    @Test
    void everyAnswerIsNoStoreAndNosniff() {
        RawHttp.Response response = raw("GET", "/api/health", "[::1]:" + broker.port());
        assertEquals(200, response.status());
        assertEquals("no-store", response.header("Cache-Control"));
        assertEquals("nosniff", response.header("X-Content-Type-Options"));
        assertTrue(response.header("Content-Type").startsWith("application/json"));
    }
}
