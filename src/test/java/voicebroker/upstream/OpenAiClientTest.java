package voicebroker.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import voicebroker.config.BrokerConfig;
import voicebroker.config.ConfigLoader;
import voicebroker.config.ProxySettings;
import voicebroker.error.ErrorCode;
import voicebroker.json.JsonTree;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.Fault;
import voicebroker.testkit.RecordedRequest;

/**
 * The upstream client's own guarantees, in process against the test kit's fake: it never follows a redirect,
 * never reads past the size cap, never waits past the total timeout, keeps one connection for sequential calls,
 * survives a kept-alive connection the upstream closed, and sends the key through a proxy only inside a tunnel.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MINT = "/realtime/client_secrets";
    /** The timeout of the clients that test it; the others wait long enough for a busy machine. */
    private static final int TIMEOUT_SECONDS = 1;
    private static final String PATIENT = "20";
    private FakeOpenAi fake;

    @BeforeAll
    void start() throws Exception {
        fake = FakeOpenAi.http().start();
        client().postJson(MINT, JsonTree.bytes(mintBody()), JsonTree.OBJECT); // the fake's first contract check loads its schema: not part of any test
    }

    @AfterAll
    void stop() {
        fake.close();
    }

    @BeforeEach
    void clean() {
        fake.clearFaults();
        fake.clear();
        fake.speechBytes(8 * 1024).speechChunks(1024, Duration.ZERO);
    }

    private OpenAiClient impatientClient() {
        return client(config(Map.of("VOICE_UPSTREAM_TIMEOUT", Integer.toString(TIMEOUT_SECONDS))));
    }

    private BrokerConfig config(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY);
        env.put("OPENAI_BASE_URL", fake.baseUrl());
        env.put("VOICE_UPSTREAM_TIMEOUT", PATIENT);
        env.put("VOICE_RUNTIME_DIR", System.getProperty("java.io.tmpdir"));
        env.putAll(extra);
        return ConfigLoader.load(env);
    }

    private OpenAiClient client() {
        return client(config(Map.of()));
    }

    private static OpenAiClient client(BrokerConfig config) {
        return new OpenAiClient(config, config.apiKey().orElseThrow());
    }

    private static JsonNode mintBody() throws IOException {
        return JSON.readTree("{\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\"}}");
    }

    private static ErrorCode refusedWith(Runnable call) {
        return assertThrows(UpstreamFailure.class, call::run).refusal().code();
    }

    @Test
    void aRedirectIsAnsweredAsSuchAndTheOtherHostHearsNothing() throws Exception {
        try (FakeOpenAi elsewhere = FakeOpenAi.http().start()) {
            fake.faultAlways("/v1" + MINT, Fault.redirect(307, elsewhere.baseUrl() + MINT));
            JsonNode body = mintBody();
            assertEquals(ErrorCode.UPSTREAM_REDIRECT, refusedWith(() -> client().postJson(MINT, JsonTree.bytes(body), JsonTree.OBJECT)));
            assertEquals(0, elsewhere.connectionsAccepted(), "the redirect's target was never contacted");
        }
    }

    @Test
    void anAnswerPastTheSizeCapIsCutShortInsteadOfRead() throws Exception {
        JsonNode body = mintBody();
        OpenAiClient client = client();
        client.postJson(MINT, JsonTree.bytes(body), JsonTree.OBJECT); // the connection is open: what follows times the cap, not a connect
        fake.faultAlways("/v1" + MINT, Fault.hugeBody(50L << 20));
        long start = System.nanoTime();
        assertEquals(ErrorCode.UPSTREAM_UNAVAILABLE, refusedWith(() -> client.postJson(MINT, JsonTree.bytes(body), JsonTree.OBJECT)));
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "50 MB are not read to find out they are too many");
    }

    @Test
    void aSilentUpstreamAndATricklingOneBothEndAtTheTotalTimeout() throws Exception {
        OpenAiClient client = impatientClient();
        JsonNode body = mintBody();
        client.postJson(MINT, JsonTree.bytes(body), JsonTree.OBJECT);
        for (Fault fault : List.of(Fault.hang(), Fault.trickle(1, Duration.ofMillis(50)))) {
            fake.faultAlways("/v1" + MINT, fault);
            long start = System.nanoTime();
            assertEquals(ErrorCode.UPSTREAM_TIMEOUT, refusedWith(() -> client.postJson(MINT, JsonTree.bytes(body), JsonTree.OBJECT)), fault.toString());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= TIMEOUT_SECONDS * 1000L - 100 && millis < TIMEOUT_SECONDS * 1000L + 3000, fault + ": " + millis + " ms");
            fake.clearFaults();
        }
        assertTrue(client().postJson(MINT, JsonTree.bytes(body), JsonTree.OBJECT).has("value"), "the fake still answers");
    }

    @Test
    void sequentialCallsShareOneKeptAliveConnectionAndSurviveItsClosing() throws Exception {
        OpenAiClient client = client();
        JsonNode body = mintBody();
        for (int i = 0; i < 20; i++) {
            client.postJson(MINT, JsonTree.bytes(body), JsonTree.OBJECT);
        }
        assertEquals(1, fake.connectionsAccepted());
        // An answer that says keep-alive, then the upstream closes: the next call must not fail on the dead connection.
        fake.faultNext("/v1" + MINT, 1, Fault.raw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"));
        assertEquals(0, client.postJson(MINT, JsonTree.bytes(body), JsonTree.OBJECT).size());
        assertTrue(client.postJson(MINT, JsonTree.bytes(body), JsonTree.OBJECT).has("value"));
    }

    @Test
    void callsBeyondTheConnectionCapWaitTheirTurnAndAllAnswer() throws Exception {
        OpenAiClient client = client(config(Map.of("VOICE_UPSTREAM_CONCURRENCY", "64")));
        JsonNode body = mintBody();
        int calls = 3 * UpstreamHttp.MAX_CONNECTIONS;
        fake.latency(Duration.ofMillis(100)); // every call holds its connection long enough for the others to pile up
        ExecutorService callers = Executors.newFixedThreadPool(calls);
        try {
            List<Future<JsonNode>> answers = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                answers.add(callers.submit(() -> client.postJson(MINT, JsonTree.bytes(body), JsonTree.OBJECT)));
            }
            for (Future<JsonNode> answer : answers) {
                assertTrue(answer.get(30, TimeUnit.SECONDS).has("value"), "a call that waited for a connection still answers");
            }
        } finally {
            fake.latency(Duration.ZERO);
            callers.shutdownNow();
        }
        // The warm-up's connection may be one more: see UpstreamHttp.pool.
        assertTrue(fake.connectionsAccepted() <= UpstreamHttp.MAX_CONNECTIONS + 1, calls + " calls at once opened "
                + fake.connectionsAccepted() + " connections");
    }

    @Test
    void audioStreamsThroughAndItsErrorsAreOurs() throws Exception {
        fake.speechBytes(100_000).speechChunks(4096, Duration.ZERO);
        JsonNode speech = JSON.readTree("{\"model\":\"gpt-4o-mini-tts\",\"voice\":\"marin\",\"input\":\"hi\"}");
        try (AudioStream audio = client().postForAudio("/audio/speech", speech)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(100_000, audio.copyTo(out));
            assertTrue(audio.contentType().startsWith("audio/"), audio.contentType());
        }
        fake.faultAlways("/v1/audio/speech", Fault.status(401));
        assertEquals(ErrorCode.UPSTREAM_AUTH, refusedWith(() -> client().postForAudio("/audio/speech", speech)));
    }

    @Test
    void aStalledAudioStreamIsCutAtTheStallTimeout() throws Exception {
        fake.speechBytes(100_000).speechChunks(4096, Duration.ofSeconds(30));
        JsonNode speech = JSON.readTree("{\"model\":\"gpt-4o-mini-tts\",\"voice\":\"marin\",\"input\":\"hi\"}");
        long start = System.nanoTime();
        try (AudioStream audio = impatientClient().postForAudio("/audio/speech", speech)) {
            IOException stalled = assertThrows(IOException.class, () -> audio.copyTo(new ByteArrayOutputStream()));
            assertTrue(stalled.getMessage().contains("stalled"), stalled.getMessage());
        }
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(TIMEOUT_SECONDS + 3).toNanos());
    }

    @Test
    void theProxyIsUsedForRemoteHostsUnlessNoProxyOrLoopbackSaysOtherwise() throws Exception {
        ProxySettings settings = new ProxySettings(Optional.of(URI.create("http://proxy.example:3128")), List.of(".internal.example"));
        var planner = ProxyRoutes.planner(settings);
        HttpRoute remote = planner.determineRoute(new HttpHost("https", "api.openai.com", 443), HttpClientContext.create());
        assertEquals(new HttpHost("http", "proxy.example", 3128), remote.getProxyHost());
        assertTrue(remote.isTunnelled() || remote.isSecure(), "an https target goes through a tunnel");
        assertNull(planner.determineRoute(new HttpHost("https", "llm.internal.example", 443), HttpClientContext.create()).getProxyHost());
        assertNull(planner.determineRoute(new HttpHost("http", "127.0.0.1", 8080), HttpClientContext.create()).getProxyHost());
        assertNull(ProxyRoutes.planner(ProxySettings.none())
                .determineRoute(new HttpHost("https", "api.openai.com", 443), HttpClientContext.create()).getProxyHost());
    }

    @Test
    void onlyABaseTheProxyAppliesToGetsTheClientThatTunnels() {
        Map<String, String> proxied = Map.of("OPENAI_BASE_URL", "https://api.openai.com/v1", "HTTPS_PROXY", "http://proxy.example:3128");
        assertTrue(UpstreamHttp.throughProxy(config(proxied)), "a remote base with a proxy set goes through it");
        assertFalse(UpstreamHttp.throughProxy(config(Map.of("OPENAI_BASE_URL", "https://api.openai.com/v1"))), "no proxy set");
        Map<String, String> exempt = new HashMap<>(proxied);
        exempt.put("NO_PROXY", ".openai.com");
        assertFalse(UpstreamHttp.throughProxy(config(exempt)), "NO_PROXY names the base's domain");
        assertFalse(UpstreamHttp.throughProxy(config(Map.of("HTTPS_PROXY", "http://proxy.example:3128"))), "a loopback base goes straight");
    }

    @Test
    void throughARealProxyTheKeyTravelsOnlyInsideTheTunnel() throws Exception {
        // The fake plays the proxy: it gets the CONNECT, refuses it, and must never see the key.
        BrokerConfig viaProxy = config(Map.of("OPENAI_BASE_URL", "https://api.openai.com/v1", "HTTPS_PROXY", fake.rootUrl()));
        JsonNode body = mintBody();
        assertThrows(UpstreamFailure.class, () -> client(viaProxy).postJson(MINT, JsonTree.bytes(body), JsonTree.OBJECT));
        List<RecordedRequest> seen = fake.requests();
        assertTrue(seen.stream().anyMatch(r -> r.method().equals("CONNECT") && r.target().startsWith("api.openai.com:443")), seen.toString());
        assertTrue(seen.stream().noneMatch(r -> r.toString().contains(FakeOpenAi.DEFAULT_KEY) || r.bodyText().contains(FakeOpenAi.DEFAULT_KEY)));
    }

    @Test
    void aLoopbackBaseGoesStraightEvenWithAProxySet() throws Exception {
        BrokerConfig config = config(Map.of("HTTPS_PROXY", "http://127.0.0.1:9"));
        assertTrue(client(config).postJson(MINT, JsonTree.bytes(mintBody()), JsonTree.OBJECT).has("value"));
    }
}
