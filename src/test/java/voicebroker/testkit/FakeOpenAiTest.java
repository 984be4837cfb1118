package voicebroker.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class FakeOpenAiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static final String MINT_BODY = "{\"expires_after\":{\"anchor\":\"created_at\",\"seconds\":600},"
            + "\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\",\"instructions\":\"hi\","
            + "\"tools\":[{\"type\":\"function\",\"name\":\"open_panel\",\"description\":\"Opens a panel\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{}}}],"
            + "\"audio\":{\"input\":{\"transcription\":{\"model\":\"gpt-4o-mini-transcribe\"},"
            + "\"turn_detection\":{\"type\":\"semantic_vad\",\"eagerness\":\"low\"}},"
            + "\"output\":{\"voice\":\"marin\"}}}}";

    static final String SPEECH_BODY =
            "{\"model\":\"gpt-4o-mini-tts\",\"input\":\"Hi, I am Marin.\",\"voice\":\"marin\",\"response_format\":\"mp3\"}";

    static final String SDP_OFFER = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
            + "a=group:BUNDLE 0 1\r\n"
            + "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n"
            + "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:0 PCMU/8000\r\n"
            + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"
            + "a=sctp-port:5000\r\n";

    private FakeOpenAi fake;
    private HttpClient client;

    @BeforeEach
    void startFake() {
        fake = FakeOpenAi.http().start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stopFake() {
        fake.close();
    }

    // ---- client secrets --------------------------------------------------------------------------------------

    @Test
    void mintsAContractValidSecretEchoingTheRequestedSession() throws Exception {
        long before = Instant.now().getEpochSecond();
        HttpResponse<String> response = post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
        JsonNode body = JSON.readTree(response.body());
        ContractValidator.assertValid("RealtimeCreateClientSecretResponse", body);
        assertTrue(body.path("value").asText().matches("ek_[0-9a-f]{32}"), body.toString());
        long expiresAt = body.path("expires_at").asLong();
        assertTrue(expiresAt >= before + 600 && expiresAt <= before + 602, body.toString());

        JsonNode session = body.path("session");
        assertEquals("realtime", session.path("type").asText());
        assertEquals("realtime.session", session.path("object").asText());
        assertTrue(session.path("id").asText().startsWith("sess_"));
        assertEquals("gpt-realtime", session.path("model").asText());
        assertEquals("hi", session.path("instructions").asText());
        assertEquals("open_panel", session.path("tools").path(0).path("name").asText());
        assertEquals("marin", session.path("audio").path("output").path("voice").asText());
        assertEquals("semantic_vad", session.path("audio").path("input").path("turn_detection").path("type").asText());
        assertEquals("gpt-4o-mini-transcribe",
                session.path("audio").path("input").path("transcription").path("model").asText());
        assertTrue(fake.isLiveSecret(body.path("value").asText()));
        assertEquals(List.of(), fake.contractViolations());
    }

    @Test
    void minimalRequestGetsTheApiDefaultsAndStillValidates() throws Exception {
        HttpResponse<String> response = post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY,
                "{\"session\":{\"type\":\"realtime\"}}");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        ContractValidator.assertValid("RealtimeCreateClientSecretResponse", body);
        assertEquals("gpt-realtime", body.path("session").path("model").asText());
        assertEquals("alloy", body.path("session").path("audio").path("output").path("voice").asText());
        assertEquals("server_vad",
                body.path("session").path("audio").path("input").path("turn_detection").path("type").asText());
    }

    @Test
    void transcriptionSessionResponseValidatesToo() throws Exception {
        HttpResponse<String> response = post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY,
                "{\"session\":{\"type\":\"transcription\",\"audio\":{\"input\":{\"transcription\":"
                        + "{\"model\":\"gpt-4o-transcribe\"}}}}}");
        assertEquals(200, response.statusCode(), response.body());
        ContractValidator.assertValid("RealtimeCreateClientSecretResponse", JSON.readTree(response.body()));
    }

    @Test
    void wrongKeyIs401WithAnErrorThatEchoesPartOfTheKey() throws Exception {
        HttpResponse<String> response = post("/realtime/client_secrets", "sk-test-wrong-key-0123456789", MINT_BODY);
        assertEquals(401, response.statusCode());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("invalid_api_key", error.path("code").asText());
        assertEquals("invalid_request_error", error.path("type").asText());
        assertTrue(error.path("param").isNull());
        assertTrue(error.path("message").asText().startsWith("Incorrect API key provided: sk-test-wr**"),
                error.toString());
        assertTrue(error.path("message").asText().contains("6789"), "the tail leaks too, like the real API");
    }

    @Test
    void missingKeyIs401() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri("/realtime/client_secrets"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(MINT_BODY)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, response.statusCode());
        assertTrue(response.body().contains("didn't provide an API key"), response.body());
    }

    @Test
    void configuredKeyReplacesTheDefault() throws Exception {
        fake.expectedKey("sk-other-key-xyz");
        assertEquals(401, post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY).statusCode());
        assertEquals(200, post("/realtime/client_secrets", "sk-other-key-xyz", MINT_BODY).statusCode());
    }

    @Test
    void contractInvalidBodyIs400AndRecordedAsAViolation() throws Exception {
        HttpResponse<String> response = post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY,
                MINT_BODY.replace("\"seconds\":600", "\"seconds\":5"));
        assertEquals(400, response.statusCode());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("expires_after.seconds", error.path("param").asText(), error.toString());
        List<String> violations = fake.contractViolations();
        assertEquals(1, violations.size(), violations::toString);
        assertTrue(violations.get(0).startsWith("#1 POST /v1/realtime/client_secrets: "), violations.get(0));
    }

    @Test
    void wrongContentTypeIs400AndAViolation() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri("/realtime/client_secrets"))
                .header("Authorization", "Bearer " + FakeOpenAi.DEFAULT_KEY)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(MINT_BODY)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, response.statusCode());
        assertTrue(fake.contractViolations().get(0).contains("Content-Type must be application/json"));
    }

    @Test
    void unavailableModelIs404ModelNotFoundAndOthersStillWork() throws Exception {
        fake.modelUnavailable("gpt-realtime");
        HttpResponse<String> refused = post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY);
        assertEquals(404, refused.statusCode());
        JsonNode error = JSON.readTree(refused.body()).path("error");
        assertEquals("model_not_found", error.path("code").asText());
        assertEquals("session.model", error.path("param").asText());
        assertEquals("The model `gpt-realtime` does not exist or you do not have access to it.",
                error.path("message").asText());

        HttpResponse<String> fallback = post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY,
                MINT_BODY.replace("\"gpt-realtime\"", "\"gpt-realtime-2\""));
        assertEquals(200, fallback.statusCode());
        assertEquals("gpt-realtime-2", JSON.readTree(fallback.body()).path("session").path("model").asText());

        fake.modelAvailable("gpt-realtime");
        assertEquals(200, post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY).statusCode());
    }

    @Test
    void unknownPathIs404InOpenAiShape() throws Exception {
        HttpResponse<String> response = post("/realtime/sessions", FakeOpenAi.DEFAULT_KEY, "{}");
        assertEquals(404, response.statusCode());
        assertEquals("Invalid URL (POST /v1/realtime/sessions)",
                JSON.readTree(response.body()).path("error").path("message").asText());
    }

    @Test
    void recordsMethodPathHeadersBodyAndConnection() throws Exception {
        post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY);
        List<RecordedRequest> requests = fake.requestsTo("/realtime/client_secrets");
        assertEquals(1, requests.size());
        RecordedRequest request = requests.get(0);
        assertEquals("POST", request.method());
        assertEquals("/v1/realtime/client_secrets", request.path());
        assertEquals(FakeOpenAi.DEFAULT_KEY, request.bearerToken());
        assertEquals(JSON.readTree(MINT_BODY), request.json());
        assertEquals(1, request.connectionId());
        assertEquals(requests, fake.requestsTo("/v1/realtime/client_secrets"), "full and relative paths agree");
        fake.clear();
        assertEquals(List.of(), fake.requests());
        assertEquals(0, fake.connectionsAccepted());
    }

    @Test
    void defaultHttpClientWithHttp2UpgradeAttemptIsServedOverHttp11() throws Exception {
        HttpClient http2 = HttpClient.newHttpClient();
        HttpResponse<String> response = http2.send(mintRequest(FakeOpenAi.DEFAULT_KEY, MINT_BODY),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals(HttpClient.Version.HTTP_1_1, response.version());
    }

    // ---- connections -----------------------------------------------------------------------------------------

    @Test
    void countsConnectionsSoReuseIsMeasurable() throws Exception {
        for (int i = 0; i < 100; i++) {
            assertEquals(200, post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY).statusCode());
        }
        assertEquals(1, fake.connectionsAccepted(), "a keep-alive client reuses one connection");
        Set<Long> connectionIds = fake.requests().stream().map(RecordedRequest::connectionId).collect(Collectors.toSet());
        assertEquals(Set.of(1L), connectionIds);

        fake.clear();
        for (int i = 0; i < 5; i++) {
            RawHttp.request("GET", "/v1/nothing").header("Host", "x").send("127.0.0.1", fake.port());
        }
        assertEquals(5, fake.connectionsAccepted(), "RawHttp opens one connection per send");
    }

    @Test
    void remembersTheMostRecentSecretsOnlySoALoadRunKeepsItsHeapFlat() throws Exception {
        fake.rememberSecrets(4);
        String first = JSON.readTree(post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY).body()).path("value").asText();
        String last = first;
        for (int i = 0; i < 4; i++) {
            last = JSON.readTree(post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY).body()).path("value").asText();
        }
        assertFalse(fake.isLiveSecret(first), "the oldest secret is forgotten like an expired one");
        assertTrue(fake.isLiveSecret(last));
        assertEquals(4, fake.mintedSecrets().size());
    }

    // ---- speech ----------------------------------------------------------------------------------------------

    @Test
    void speechStreamsChunkedAudioOfTheConfiguredSize() throws Exception {
        fake.speechBytes(5000).speechChunks(1000, Duration.ofMillis(60));
        long start = System.nanoTime();
        HttpResponse<InputStream> response = client.send(speechRequest(SPEECH_BODY),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertEquals("audio/mpeg", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("chunked", response.headers().firstValue("Transfer-Encoding").orElseThrow());
        try (InputStream audio = response.body()) {
            byte[] first = audio.readNBytes(3);
            long firstBytesAfter = elapsedMillis(start);
            byte[] rest = audio.readAllBytes();
            long allBytesAfter = elapsedMillis(start);
            assertArrayEquals("ID3".getBytes(StandardCharsets.US_ASCII), first);
            assertEquals(5000, first.length + rest.length);
            assertTrue(allBytesAfter - firstBytesAfter >= 200,
                    "4 delays of 60 ms separate the 5 chunks: " + firstBytesAfter + " / " + allBytesAfter);
        }
        assertEquals(List.of(), fake.contractViolations());
    }

    @Test
    void speechContentTypeFollowsResponseFormat() throws Exception {
        HttpResponse<byte[]> response = client.send(
                speechRequest(SPEECH_BODY.replace("\"mp3\"", "\"wav\"")), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals("audio/wav", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("RIFF", new String(response.body(), 0, 4, StandardCharsets.US_ASCII));
    }

    @Test
    void speechWithoutInputOrWithExtraFieldIs400() throws Exception {
        HttpResponse<String> missing = client.send(speechRequest(
                "{\"model\":\"gpt-4o-mini-tts\",\"voice\":\"marin\"}"), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, missing.statusCode());
        HttpResponse<String> extra = client.send(speechRequest(
                SPEECH_BODY.replace("{", "{\"key\":\"sk-x\",")), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, extra.statusCode());
        assertEquals(2, fake.requestsMatching(r -> !r.violations().isEmpty()).size());
    }

    @Test
    void speechNeedsTheKeyToo() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri("/audio/speech"))
                .header("Authorization", "Bearer sk-nope")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(SPEECH_BODY)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, response.statusCode());
    }

    // ---- WebRTC calls ----------------------------------------------------------------------------------------

    @Test
    void callWithAMintedSecretGetsAnSdpAnswerAndLocation() throws Exception {
        String secret = mintSecret();
        HttpResponse<String> answer = client.send(callRequest(secret, SDP_OFFER), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, answer.statusCode(), answer.body());
        assertEquals("application/sdp", answer.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(answer.headers().firstValue("Location").orElseThrow().matches("/v1/realtime/calls/rtc_[0-9a-f]+"));
        assertEquals("*", answer.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
        assertTrue(answer.body().startsWith("v=0\r\n"));
        assertTrue(answer.body().contains("a=mid:0\r\n") && answer.body().contains("a=mid:1\r\n"), answer.body());
        assertTrue(answer.body().contains("a=rtpmap:111 opus/48000/2"), answer.body());
        assertTrue(answer.body().contains("a=group:BUNDLE 0 1\r\n"), answer.body());
        assertEquals(List.of(), fake.contractViolations());
    }

    @Test
    void callRefusesTheServerKeyUnknownAndExpiredSecrets() throws Exception {
        assertEquals(401, client.send(callRequest(FakeOpenAi.DEFAULT_KEY, SDP_OFFER),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(401, client.send(callRequest("ek_never_minted", SDP_OFFER),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        String secret = mintSecret();
        fake.expireSecrets();
        HttpResponse<String> expired = client.send(callRequest(secret, SDP_OFFER), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, expired.statusCode());
        assertEquals("*", expired.headers().firstValue("Access-Control-Allow-Origin").orElseThrow(),
                "a browser must be able to read the refusal");
    }

    @Test
    void callWithoutSdpIs400() throws Exception {
        HttpResponse<String> response = client.send(callRequest(mintSecret(), "hello"),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, response.statusCode());
        assertTrue(fake.contractViolations().get(0).contains("v=0"), fake.contractViolations().toString());
    }

    @Test
    void callPreflightAllowsBrowsers() throws Exception {
        HttpResponse<String> preflight = client.send(HttpRequest.newBuilder(uri("/realtime/calls"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "http://localhost:5173")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, preflight.statusCode());
        assertEquals("*", preflight.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
        String allowed = preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow();
        for (String header : new String[] {"authorization", "content-type", "x-openai-agents-sdk"}) {
            assertTrue(allowed.contains(header), header + " (sent by the Agents SDK) is allowed: " + allowed);
        }
        assertTrue(preflight.headers().firstValue("Access-Control-Allow-Methods").orElseThrow().contains("POST"));
    }

    @Test
    void aWebRtcFakeRefusesAForeignSecretBeforeAnySdpReachesItsPeer() throws Exception {
        try (FakeOpenAi webRtc = FakeOpenAi.http().withWebRtc().start()) {
            HttpResponse<String> refused = client.send(HttpRequest.newBuilder(URI.create(webRtc.baseUrl() + "/realtime/calls"))
                    .header("Authorization", "Bearer ek_" + "0".repeat(32)).header("Content-Type", "application/sdp")
                    .POST(HttpRequest.BodyPublishers.ofString("v=0\r\n")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, refused.statusCode());
            assertEquals("*", refused.headers().firstValue("Access-Control-Allow-Origin").orElseThrow(), "a browser can read the refusal");
            assertEquals(0, webRtc.webRtcCalls().size(), "the peer never saw the offer");
        }
    }

    // ---- faults ----------------------------------------------------------------------------------------------

    @Nested
    class Faults {

        @Test
        void scriptedStatusAppliesToTheNextRequestsOnly() throws Exception {
            FakeOpenAi.FaultRule rule = fake.faultNext("/realtime/client_secrets", 2,
                    Fault.status(429).header("Retry-After", "3"));
            HttpResponse<String> first = post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY);
            assertEquals(429, first.statusCode());
            assertEquals("3", first.headers().firstValue("Retry-After").orElseThrow());
            assertEquals("rate_limit_exceeded", JSON.readTree(first.body()).path("error").path("code").asText());
            assertEquals(429, post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY).statusCode());
            assertEquals(200, post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY).statusCode());
            assertEquals(2, rule.timesApplied());
            assertTrue(rule.isUsedUp());
        }

        @Test
        void faultsArePerPathAndTheNewestRuleWins() throws Exception {
            fake.faultAlways("/realtime/client_secrets", Fault.status(500));
            assertEquals(200, client.send(speechRequest(SPEECH_BODY), HttpResponse.BodyHandlers.ofString())
                    .statusCode(), "other paths are untouched");
            fake.faultNext("/v1/realtime/client_secrets", 1, Fault.status(503));
            assertEquals(503, post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY).statusCode());
            assertEquals(500, post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY).statusCode());
            fake.clearFaults();
            assertEquals(200, post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY).statusCode());
        }

        @Test
        void globalFaultHitsEveryPathButNotPreflights() throws Exception {
            fake.faultAlways(Fault.html(502, "<html><body>Bad gateway</body></html>"));
            HttpResponse<String> mint = post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY);
            assertEquals(502, mint.statusCode());
            assertTrue(mint.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
            assertEquals(502, client.send(speechRequest(SPEECH_BODY), HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> preflight = client.send(HttpRequest.newBuilder(uri("/realtime/calls"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, preflight.statusCode());
        }

        @Test
        void faultedRequestsAreStillRecordedAndContractChecked() throws Exception {
            fake.faultAlways(Fault.status(500));
            post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, "{\"session\":{\"type\":\"bogus\"}}");
            assertEquals(1, fake.requests().size());
            assertFalse(fake.contractViolations().isEmpty());
        }

        @Test
        void redirectToAnotherHost() throws Exception {
            fake.faultNext(1, Fault.redirect(302, "https://elsewhere.example/v1/realtime/client_secrets"));
            HttpResponse<String> response = post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY);
            assertEquals(302, response.statusCode());
            assertEquals("https://elsewhere.example/v1/realtime/client_secrets",
                    response.headers().firstValue("Location").orElseThrow());
        }

        @Test
        void delayHoldsTheHeadersBack() throws Exception {
            fake.faultNext(1, Fault.delay(Duration.ofMillis(400)));
            long start = System.nanoTime();
            assertEquals(200, post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY).statusCode());
            assertTrue(elapsedMillis(start) >= 400);
        }

        @Test
        void hangNeverAnswers() {
            fake.faultNext(1, Fault.hang());
            HttpRequest request = HttpRequest.newBuilder(uri("/realtime/client_secrets"))
                    .timeout(Duration.ofMillis(300))
                    .header("Authorization", "Bearer " + FakeOpenAi.DEFAULT_KEY)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(MINT_BODY)).build();
            assertThrows(HttpTimeoutException.class, () -> client.send(request, HttpResponse.BodyHandlers.ofString()));
            assertEquals(1, fake.requests().size(), "the request was read and recorded before hanging");
        }

        @Test
        void trickleSlowsTheBody() throws Exception {
            fake.faultNext(1, Fault.trickle(100, Duration.ofMillis(50)));
            long start = System.nanoTime();
            HttpResponse<String> response = post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY);
            assertEquals(200, response.statusCode());
            long pieces = (response.body().length() + 99) / 100;
            assertTrue(elapsedMillis(start) >= (pieces - 1) * 50, "body arrived in " + pieces + " slow pieces");
            ContractValidator.assertValid("RealtimeCreateClientSecretResponse", response.body());
        }

        @Test
        void resetMidResponseBreaksTheBody() {
            fake.faultNext(1, Fault.resetMidResponse());
            assertThrows(IOException.class,
                    () -> post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY));
            fake.faultNext(1, Fault.resetMidResponse());
            // The reset may even overtake the bytes already sent; either way no complete response arrives.
            try {
                RawHttp.Response raw = RawHttp.send("127.0.0.1", fake.port(), rawMint());
                assertTrue(raw.receivedNothing(), "a reset response must not parse as complete: " + raw);
            } catch (UncheckedIOException expected) {
                // broken body: what a reset mid-response looks like to a client
            }
        }

        @Test
        void invalidJsonIsA200ThatDoesNotParse() throws Exception {
            fake.faultNext(1, Fault.invalidJson());
            HttpResponse<String> response = post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY);
            assertEquals(200, response.statusCode());
            assertThrows(IOException.class, () -> JSON.readTree(response.body()));
        }

        @Test
        void hugeBodyIsGeneratedOnTheFly() throws Exception {
            long size = 50L << 20;
            fake.faultNext(1, Fault.hugeBody(size));
            HttpResponse<InputStream> response = client.send(mintRequest(FakeOpenAi.DEFAULT_KEY, MINT_BODY),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(String.valueOf(size), response.headers().firstValue("Content-Length").orElseThrow());
            long total = 0;
            byte[] buffer = new byte[1 << 16];
            try (InputStream body = response.body()) {
                for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
                    total += n;
                }
            }
            assertEquals(size, total);
        }

        @Test
        void hugeBodyCanBeChunkedSoItsSizeIsUnknown() throws Exception {
            fake.faultNext(1, Fault.hugeBody(1 << 20).chunked());
            HttpResponse<byte[]> response = client.send(mintRequest(FakeOpenAi.DEFAULT_KEY, MINT_BODY),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertTrue(response.headers().firstValue("Content-Length").isEmpty());
            assertEquals(1 << 20, response.body().length);
        }

        @Test
        void rawBytesCanBreakTheProtocol() {
            fake.faultNext(1, Fault.raw("HTTP/1.1 two hundred OK\r\n\r\n"));
            assertThrows(IOException.class,
                    () -> post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY));
            fake.faultNext(1, Fault.closeWithoutResponse());
            assertTrue(RawHttp.send("127.0.0.1", fake.port(), rawMint()).receivedNothing());
        }

        @Test
        void fixedLatencyDelaysEveryAnswer() throws Exception {
            fake.latency(Duration.ofMillis(300));
            long start = System.nanoTime();
            assertEquals(200, post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY).statusCode());
            assertTrue(elapsedMillis(start) >= 300);
        }
    }

    // ---- base path -------------------------------------------------------------------------------------------

    @Test
    void urlsAndBasePath() throws Exception {
        assertEquals("http://127.0.0.1:" + fake.port() + "/v1", fake.baseUrl());
        assertEquals("http://127.0.0.1:" + fake.port(), fake.rootUrl());
        fake.basePath("");
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(fake.rootUrl()
                        + "/realtime/client_secrets"))
                .header("Authorization", "Bearer " + FakeOpenAi.DEFAULT_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(MINT_BODY)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private URI uri(String endpoint) {
        return URI.create(fake.baseUrl() + endpoint);
    }

    private HttpResponse<String> post(String endpoint, String key, String json) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(endpoint))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest mintRequest(String key, String json) {
        return HttpRequest.newBuilder(uri("/realtime/client_secrets"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    private HttpRequest speechRequest(String json) {
        return HttpRequest.newBuilder(uri("/audio/speech"))
                .header("Authorization", "Bearer " + FakeOpenAi.DEFAULT_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    private HttpRequest callRequest(String secret, String sdp) {
        return HttpRequest.newBuilder(uri("/realtime/calls"))
                .header("Authorization", "Bearer " + secret)
                .header("Content-Type", "application/sdp")
                .POST(HttpRequest.BodyPublishers.ofString(sdp)).build();
    }

    private String mintSecret() throws Exception {
        HttpResponse<String> response = post("/realtime/client_secrets", FakeOpenAi.DEFAULT_KEY, MINT_BODY);
        assertEquals(200, response.statusCode(), response.body());
        String secret = JSON.readTree(response.body()).path("value").asText();
        assertNotNull(secret);
        return secret;
    }

    private String rawMint() {
        return RawHttp.request("POST", "/v1/realtime/client_secrets")
                .header("Host", "127.0.0.1:" + fake.port())
                .header("Authorization", "Bearer " + FakeOpenAi.DEFAULT_KEY)
                .header("Content-Type", "application/json")
                .body(MINT_BODY).toString();
    }

    private static long elapsedMillis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
