package voicebroker.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static voicebroker.it.Client.assertRefusal;
import static voicebroker.it.Client.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.Fault;
import voicebroker.testkit.RecordedRequest;

/** The broker's routes end to end: a real broker process against the contract-checking fake upstream. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerRoutesIT {
    private FakeOpenAi fake;
    private BrokerProcess broker;
    private Client client;

    @BeforeAll
    void start() {
        fake = FakeOpenAi.http().start();
        broker = BrokerProcess.start(Brokers.against(fake, "VOICE_UPSTREAM_TIMEOUT", "2", "VOICE_CALLS_PER_MINUTE", "1000"));
        client = new Client(broker);
    }

    @AfterAll
    void stop() {
        broker.close();
        fake.close();
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
        HttpResponse<String> response = client.get("/api/health", null);
        assertEquals(200, response.statusCode());
        JsonNode body = json(response);
        assertTrue(body.path("ok").asBoolean());
        assertTrue(body.path("keyed").asBoolean());
        assertEquals(fake.rootUrl(), body.path("base").asText());
        assertFalse(response.headers().firstValue("access-control-allow-origin").isPresent(), "no CORS without an Origin");
        assertEquals("nosniff", response.headers().firstValue("x-content-type-options").orElse(""));
    }

    @Test
    void healthEchoesAnAllowedOriginExactlyWithVary() {
        HttpResponse<String> response = client.get("/api/health", Client.ORIGIN);
        assertEquals(200, response.statusCode());
        assertEquals(Client.ORIGIN, response.headers().firstValue("access-control-allow-origin").orElse(""));
        assertEquals("Origin", response.headers().firstValue("vary").orElse(""));
        assertFalse(response.headers().firstValue("access-control-allow-credentials").isPresent());
    }

    @Test
    void mintReturnsTheOldFieldsPlusAbsoluteEndpoints() {
        HttpResponse<String> response = client.post("/api/session", "{\"voice\":\"marin\"}");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = json(response);
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
        assertEquals("no-store", response.headers().firstValue("cache-control").orElse(""));
        assertEquals(Client.ORIGIN, response.headers().firstValue("access-control-allow-origin").orElse(""));

        RecordedRequest sent = mints().get(0);
        assertEquals("Bearer " + FakeOpenAi.DEFAULT_KEY, sent.header("authorization"));
        assertEquals(java.util.List.of(), sent.violations(), "the request satisfies RealtimeCreateClientSecretRequest");
        assertEquals(600, sent.json().path("expires_after").path("seconds").asInt());
        assertEquals("realtime", sent.json().path("session").path("type").asText());
        assertFalse(response.body().contains(FakeOpenAi.DEFAULT_KEY));
    }

    @Test
    void modeAndVoiceChooseTheTemplateAndVoice() {
        JsonNode body = json(client.post("/api/session", "{\"voice\":\"cedar\",\"mode\":\"direct\"}"));
        assertEquals("cedar", body.path("configured").path("voice").asText());
        assertEquals("direct", body.path("configured").path("mode").asText());
        JsonNode session = mints().get(0).json().path("session");
        assertFalse(session.has("instructions"), "the direct template sends no instructions");
        assertEquals("cedar", session.path("audio").path("output").path("voice").asText());
    }

    @Test
    void anEmptyBodyMintsWithDefaults() {
        JsonNode body = json(client.post("/api/session", ""));
        assertEquals("marin", body.path("configured").path("voice").asText());
        assertEquals("companion", body.path("configured").path("mode").asText());
    }

    @Test
    void unknownModeOrBadVoiceIsRefusedBeforeTheUpstream() {
        assertEquals("mode", assertRefusal(client.post("/api/session", "{\"mode\":\"pirate\"}"), 400, "invalid_request").path("field").asText());
        assertEquals("voice", assertRefusal(client.post("/api/session", "{\"voice\":\"<script>\"}"), 400, "invalid_request").path("field").asText());
        assertEquals("model", assertRefusal(client.post("/api/session", "{\"model\":\"gpt-4o\"}"), 400, "invalid_request").path("field").asText());
        assertTrue(mints().isEmpty());
    }

    @Test
    void fallsBackToTheNextModelOnlyWhenTheModelIsUnavailable() {
        fake.modelUnavailable("gpt-realtime");
        JsonNode body = json(client.post("/api/session", "{}"));
        assertEquals("gpt-realtime-2", body.path("model").asText());
        assertEquals(2, mints().size());
    }

    @Test
    void whenNoModelIsAvailableTheLastRefusalComesBack() {
        fake.modelUnavailable("gpt-realtime");
        fake.modelUnavailable("gpt-realtime-2");
        JsonNode body = assertRefusal(client.post("/api/session", "{}"), 502, "upstream_rejected");
        assertEquals("session.model", body.path("param").asText());
        assertEquals(2, mints().size());
    }

    @Test
    void authFailuresAreNotRetriedAndNeverEchoTheKey() {
        fake.faultNext("/v1/realtime/client_secrets", 5, Fault.status(401,
                "{\"error\":{\"message\":\"Incorrect API key provided: " + FakeOpenAi.DEFAULT_KEY.substring(0, 12)
                        + "****6789. You can find your API key at https://platform.openai.com/account/api-keys.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}"));
        HttpResponse<String> response = client.post("/api/session", "{}");
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
        HttpResponse<String> response = client.post("/api/session", "{}");
        assertRefusal(response, 503, "upstream_rate_limited");
        assertEquals("7", response.headers().firstValue("retry-after").orElse(""));
    }

    @Test
    void upstreamServerErrorsBecomeOurCodeNotTheirBody() {
        fake.faultNext("/v1/realtime/client_secrets", 1, Fault.html(500, "<html><body>Internal error at org-secretcorp</body></html>"));
        HttpResponse<String> response = client.post("/api/session", "{}");
        assertRefusal(response, 502, "upstream_unavailable");
        assertFalse(response.body().contains("secretcorp"));
    }

    @Test
    void upstreamInvalidJsonIsUnavailableNotACrash() {
        fake.faultNext("/v1/realtime/client_secrets", 1, Fault.invalidJson());
        assertRefusal(client.post("/api/session", "{}"), 502, "upstream_unavailable");
        assertEquals(200, client.post("/api/session", "{}").statusCode(), "the broker keeps serving");
    }

    @Test
    void aHungUpstreamTimesOutWithinTheConfiguredBound() {
        fake.faultNext("/v1/realtime/client_secrets", 1, Fault.hang());
        long start = System.nanoTime();
        assertRefusal(client.post("/api/session", "{}"), 504, "upstream_timeout");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis >= 1500 && millis < 6000, "timed out after " + millis + " ms with a 2 s bound");
    }

    @Test
    void redirectsAreNeverFollowed() {
        try (FakeOpenAi elsewhere = FakeOpenAi.http().start()) {
            fake.faultNext("/v1/realtime/client_secrets", 1, Fault.redirect(307, elsewhere.baseUrl() + "/realtime/client_secrets"));
            assertRefusal(client.post("/api/session", "{}"), 502, "upstream_redirect");
            assertEquals(0, elsewhere.requests().size(), "the redirect target received nothing, so never the key");
        }
    }

    @Test
    void sampleStreamsTheUpstreamAudioThrough() {
        fake.speechBytes(200_000);
        HttpResponse<byte[]> response = client.postForBytes("/api/sample", "{\"voice\":\"cedar\"}");
        assertEquals(200, response.statusCode());
        assertEquals("audio/mpeg", response.headers().firstValue("content-type").orElse(""));
        assertEquals(200_000, response.body().length);
        assertArrayEquals("ID3".getBytes(), java.util.Arrays.copyOf(response.body(), 3));
        RecordedRequest sent = fake.requestsTo("/v1/audio/speech").get(0);
        assertEquals(java.util.List.of(), sent.violations(), "the request satisfies CreateSpeechRequest");
        assertEquals("cedar", sent.json().path("voice").asText());
        assertEquals("mp3", sent.json().path("response_format").asText());
    }

    @Test
    void ttsTakesInputVoiceFormatInstructionsAndSpeed() {
        HttpResponse<byte[]> response = client.postForBytes("/api/tts",
                "{\"input\":\"Hello there\",\"voice\":\"alloy\",\"format\":\"wav\",\"instructions\":\"Cheerful\",\"speed\":1.5}");
        assertEquals(200, response.statusCode());
        JsonNode sent = fake.requestsTo("/v1/audio/speech").get(0).json();
        assertEquals("Hello there", sent.path("input").asText());
        assertEquals("wav", sent.path("response_format").asText());
        assertEquals(1.5, sent.path("speed").asDouble());
        assertTrue(fake.contractViolations().isEmpty(), fake.contractViolations().toString());
    }

    @Test
    void ttsRefusesTooLongInputAndBadValuesWithoutCallingTheUpstream() {
        String longInput = "a".repeat(4097);
        assertEquals("input", assertRefusal(client.post("/api/tts", "{\"input\":\"" + longInput + "\"}"), 400, "invalid_request").path("field").asText());
        assertEquals("speed", assertRefusal(client.post("/api/tts", "{\"input\":\"hi\",\"speed\":9}"), 400, "invalid_request").path("field").asText());
        assertEquals("format", assertRefusal(client.post("/api/tts", "{\"input\":\"hi\",\"format\":\"exe\"}"), 400, "invalid_request").path("field").asText());
        assertEquals("input", assertRefusal(client.post("/api/tts", "{}"), 400, "invalid_request").path("field").asText());
        assertTrue(fake.requestsTo("/v1/audio/speech").isEmpty());
    }

    @Test
    void aStalledSpeechStreamIsCutAndTheBrokerKeepsServing() {
        fake.faultNext("/v1/audio/speech", 1, Fault.body(200, "audio/mpeg", "ID3partial").trickled(4, Duration.ofSeconds(5)));
        HttpResponse<byte[]> cut = client.postForBytes("/api/sample", "{}");
        assertEquals(200, cut.statusCode());
        assertEquals(200, client.get("/api/health", null).statusCode());
    }
}
