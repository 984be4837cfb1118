package voicebroker.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static voicebroker.http.InProcessBroker.ORIGIN;
import static voicebroker.http.InProcessBroker.dashboard;
import static voicebroker.http.InProcessBroker.request;
import static voicebroker.testkit.Refusals.assertRefusal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import voicebroker.config.Limits;
import voicebroker.testkit.Answer;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.Fault;
import voicebroker.testkit.RecordedRequest;

/**
 * The broker's routes through the whole pipeline, in-process, against the contract-checking fake upstream on a real
 * loopback socket: what each route sends upstream and what the page gets back, for answers and upstream faults.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerRoutesTest {
    private FakeOpenAi fake;
    private InProcessBroker broker;

    @BeforeAll
    void start() {
        fake = FakeOpenAi.http().start();
        broker = InProcessBroker.against(fake, config -> config.limits(Limits.defaults().withUpstreamTimeout(Duration.ofSeconds(2))
                .withCallRates(8, 1000)));
    }

    @AfterAll
    void stop() {
        fake.close();
    }

    private Answer post(String path, String json) {
        return broker.send(dashboard(path, json));
    }

    private Answer get(String path, String origin) {
        InProcessBroker.Request request = request("GET", path);
        return broker.send(origin == null ? request : request.header("Origin", origin));
    }

    /** A streamed answer's bytes, exactly as they were copied through. */
    private static byte[] bytes(Answer answer) {
        return answer.body().getBytes(StandardCharsets.ISO_8859_1);
    }

    @BeforeEach
    void clean() {
        fake.clearFaults();
        for (String model : new String[] {"gpt-realtime", "gpt-realtime-2"}) {
            fake.modelAvailable(model);
        }
        fake.clear();
    }

    private java.util.List<RecordedRequest> mints() {
        return fake.requestsTo("/v1/realtime/client_secrets");
    }

    @Test
    void healthSaysKeyedAndTheBaseWithoutV1() {
        Answer response = get("/api/health", null);
        assertEquals(200, response.status());
        JsonNode body = response.json();
        assertTrue(body.path("ok").asBoolean());
        assertTrue(body.path("keyed").asBoolean());
        assertEquals(fake.rootUrl(), body.path("base").asText());
        assertNull(response.header("access-control-allow-origin"), "no CORS without an Origin");
        assertEquals("nosniff", String.valueOf(response.header("x-content-type-options")));
    }

    @Test
    void healthEchoesAnAllowedOriginExactlyWithVary() {
        Answer response = get("/api/health", ORIGIN);
        assertEquals(200, response.status());
        assertEquals(ORIGIN, String.valueOf(response.header("access-control-allow-origin")));
        assertEquals("Origin", String.valueOf(response.header("vary")));
        assertNull(response.header("access-control-allow-credentials"));
    }

    @Test
    void mintReturnsTheOldFieldsPlusAbsoluteEndpoints() {
        Answer response = post("/api/session", "{\"voice\":\"marin\"}");
        assertEquals(200, response.status(), response.body());
        JsonNode body = response.json();
        assertTrue(body.path("value").asText().startsWith("ek_"));
        assertTrue(fake.isLiveSecret(body.path("value").asText()), "the secret is the one the upstream minted");
        assertEquals("gpt-realtime", body.path("model").asText());
        assertEquals(fake.rootUrl(), body.path("base").asText());
        assertTrue(body.path("expires_at").asLong() > System.currentTimeMillis() / 1000);
        assertEquals(fake.baseUrl() + "/realtime/calls", body.path("calls_url").asText());
        assertEquals(fake.baseUrl().replaceFirst("^http", "ws") + "/realtime?model=gpt-realtime", body.path("ws_url").asText());
        JsonNode configured = body.path("configured");
        assertTrue(configured.path("instructions").asBoolean());
        assertEquals("companion", configured.path("mode").asText());
        assertEquals("server_vad", configured.path("vad").asText());
        assertEquals("gpt-4o-mini-transcribe", configured.path("transcription").asText());
        assertEquals("marin", configured.path("voice").asText());
        assertEquals("no-store", String.valueOf(response.header("cache-control")));
        assertEquals(ORIGIN, String.valueOf(response.header("access-control-allow-origin")));

        RecordedRequest sent = mints().get(0);
        assertEquals("Bearer " + FakeOpenAi.DEFAULT_KEY, sent.header("authorization"));
        assertEquals(java.util.List.of(), sent.violations(), "the request satisfies RealtimeCreateClientSecretRequest");
        assertEquals(600, sent.json().path("expires_after").path("seconds").asInt());
        assertEquals("realtime", sent.json().path("session").path("type").asText());
        assertFalse(response.body().contains(FakeOpenAi.DEFAULT_KEY));
    }

    @Test
    void modeAndVoiceChooseTheTemplateAndVoice() {
        JsonNode body = post("/api/session", "{\"voice\":\"cedar\",\"mode\":\"direct\"}").json();
        assertEquals("cedar", body.path("configured").path("voice").asText());
        assertEquals("direct", body.path("configured").path("mode").asText());
        JsonNode session = mints().get(0).json().path("session");
        assertFalse(session.has("instructions"), "the direct template sends no instructions");
        assertEquals("cedar", session.path("audio").path("output").path("voice").asText());
    }

    @Test
    void anEmptyBodyMintsWithDefaults() {
        JsonNode body = post("/api/session", "").json();
        assertEquals("marin", body.path("configured").path("voice").asText());
        assertEquals("companion", body.path("configured").path("mode").asText());
    }

    @Test
    void unknownModeOrBadVoiceIsRefusedBeforeTheUpstream() {
        assertEquals("mode", assertRefusal(post("/api/session", "{\"mode\":\"pirate\"}"), 400, "invalid_request").path("field").asText());
        assertEquals("voice", assertRefusal(post("/api/session", "{\"voice\":\"<script>\"}"), 400, "invalid_request").path("field").asText());
        assertEquals("model", assertRefusal(post("/api/session", "{\"model\":\"gpt-4o\"}"), 400, "invalid_request").path("field").asText());
        assertTrue(mints().isEmpty());
    }

    @Test
    void fallsBackToTheNextModelOnlyWhenTheModelIsUnavailable() {
        fake.modelUnavailable("gpt-realtime");
        JsonNode body = post("/api/session", "{}").json();
        assertEquals("gpt-realtime-2", body.path("model").asText());
        assertEquals(2, mints().size());
    }

    @Test
    void whenNoModelIsAvailableTheLastRefusalComesBack() {
        fake.modelUnavailable("gpt-realtime");
        fake.modelUnavailable("gpt-realtime-2");
        JsonNode body = assertRefusal(post("/api/session", "{}"), 502, "upstream_rejected");
        assertEquals("session.model", body.path("param").asText());
        assertEquals(2, mints().size());
    }

    @Test
    void authFailuresAreNotRetriedAndNeverEchoTheKey() {
        fake.faultNext("/v1/realtime/client_secrets", 5, Fault.status(401,
                "{\"error\":{\"message\":\"Incorrect API key provided: " + FakeOpenAi.DEFAULT_KEY.substring(0, 12)
                        + "****6789. You can find your API key at https://platform.openai.com/account/api-keys.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}"));
        Answer response = post("/api/session", "{}");
        JsonNode body = assertRefusal(response, 502, "upstream_auth");
        assertEquals(1, mints().size(), "exactly one upstream call: auth errors are never retried with another model");
        assertEquals("invalid_api_key", body.path("upstream_code").asText());
        assertFalse(response.body().contains(FakeOpenAi.DEFAULT_KEY.substring(0, 12)), response.body());
        assertFalse(response.body().contains("Incorrect API key"), "the upstream's message is never passed on");
    }

    @Test
    void upstreamRateLimitIsPassedOnWithRetryAfter() {
        fake.faultNext("/v1/realtime/client_secrets", 1, Fault.status(429,
                "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}").header("Retry-After", "7"));
        Answer response = post("/api/session", "{}");
        assertRefusal(response, 503, "upstream_rate_limited");
        assertEquals("7", String.valueOf(response.header("retry-after")));
    }

    @Test
    void upstreamServerErrorsBecomeOurCodeNotTheirBody() {
        fake.faultNext("/v1/realtime/client_secrets", 1, Fault.html(500, "<html><body>Internal error at org-secretcorp</body></html>"));
        Answer response = post("/api/session", "{}");
        assertRefusal(response, 502, "upstream_unavailable");
        assertFalse(response.body().contains("secretcorp"));
    }

    @Test
    void upstreamInvalidJsonIsUnavailableNotACrash() {
        fake.faultNext("/v1/realtime/client_secrets", 1, Fault.invalidJson());
        assertRefusal(post("/api/session", "{}"), 502, "upstream_unavailable");
        assertEquals(200, post("/api/session", "{}").status(), "the broker keeps serving");
    }

    @Test
    void aHungUpstreamTimesOutWithinTheConfiguredBound() {
        fake.faultNext("/v1/realtime/client_secrets", 1, Fault.hang());
        long start = System.nanoTime();
        assertRefusal(post("/api/session", "{}"), 504, "upstream_timeout");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis >= 1500 && millis < 6000, "timed out after " + millis + " ms with a 2 s bound");
    }

    @Test
    void redirectsAreNeverFollowed() {
        try (FakeOpenAi elsewhere = FakeOpenAi.http().start()) {
            fake.faultNext("/v1/realtime/client_secrets", 1, Fault.redirect(307, elsewhere.baseUrl() + "/realtime/client_secrets"));
            assertRefusal(post("/api/session", "{}"), 502, "upstream_redirect");
            assertEquals(0, elsewhere.requests().size(), "the redirect target received nothing, so never the key");
        }
    }

    @Test
    void sampleStreamsTheUpstreamAudioThrough() {
        fake.speechBytes(200_000);
        Answer response = post("/api/sample", "{\"voice\":\"cedar\"}");
        assertEquals(200, response.status());
        assertEquals("audio/mpeg", String.valueOf(response.header("content-type")));
        assertEquals(200_000, bytes(response).length);
        assertArrayEquals("ID3".getBytes(), java.util.Arrays.copyOf(bytes(response), 3));
        RecordedRequest sent = fake.requestsTo("/v1/audio/speech").get(0);
        assertEquals(java.util.List.of(), sent.violations(), "the request satisfies CreateSpeechRequest");
        assertEquals("cedar", sent.json().path("voice").asText());
        assertEquals("mp3", sent.json().path("response_format").asText());
    }

    @Test
    void ttsTakesInputVoiceFormatInstructionsAndSpeed() {
        Answer response = post("/api/tts",
                "{\"input\":\"Hello there\",\"voice\":\"alloy\",\"format\":\"wav\",\"instructions\":\"Cheerful\",\"speed\":1.5}");
        assertEquals(200, response.status());
        JsonNode sent = fake.requestsTo("/v1/audio/speech").get(0).json();
        assertEquals("Hello there", sent.path("input").asText());
        assertEquals("wav", sent.path("response_format").asText());
        assertEquals(1.5, sent.path("speed").asDouble());
        assertTrue(fake.contractViolations().isEmpty(), fake.contractViolations().toString());
    }

    @Test
    void ttsRefusesTooLongInputAndBadValuesWithoutCallingTheUpstream() {
        String longInput = "a".repeat(4097);
        assertEquals("input", assertRefusal(post("/api/tts", "{\"input\":\"" + longInput + "\"}"), 400, "invalid_request").path("field").asText());
        assertEquals("speed", assertRefusal(post("/api/tts", "{\"input\":\"hi\",\"speed\":9}"), 400, "invalid_request").path("field").asText());
        assertEquals("format", assertRefusal(post("/api/tts", "{\"input\":\"hi\",\"format\":\"exe\"}"), 400, "invalid_request").path("field").asText());
        assertEquals("input", assertRefusal(post("/api/tts", "{}"), 400, "invalid_request").path("field").asText());
        assertTrue(fake.requestsTo("/v1/audio/speech").isEmpty());
    }

    @Test
    void aStalledSpeechStreamIsCutAndTheBrokerKeepsServing() {
        fake.faultNext("/v1/audio/speech", 1, Fault.body(200, "audio/mpeg", "ID3partial").trickled(4, Duration.ofSeconds(5)));
        Answer cut = post("/api/sample", "{}");
        assertEquals(200, cut.status());
        assertEquals(200, get("/api/health", null).status());
    }
}
