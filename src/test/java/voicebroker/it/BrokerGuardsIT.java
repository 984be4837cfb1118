package voicebroker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * The guards as only a running broker shows them: requests written byte by byte on a real socket (duplicate and
 * missing Host, absolute-form targets, oversized header sections the JDK server sees first), the real peer address,
 * and the broker's own log. Each asserts the refusal and what must not happen: no upstream call (the fake records
 * every request), no token in the log. The rest of the guards' table runs in-process in
 * {@code voicebroker.http.BrokerPipelineTest}, one row per threat-model sentence.
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
