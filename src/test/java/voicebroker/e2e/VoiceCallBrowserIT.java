package voicebroker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.Pause;

/**
 * A whole call in a real browser: Chromium loads the example dashboard from the real Vite dev server, the plugin
 * starts the real broker, the page mints and calls the fake upstream, whose real WebRTC peer (werift) completes
 * ICE and DTLS, opens the oai-events channel, greets with the minted session and exchanges Opus audio with
 * Chromium's fake microphone. One dev server, broker and browser serve every test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VoiceCallBrowserIT {
    private static final Duration CLICK_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration MEDIA_TIMEOUT = Duration.ofSeconds(20);
    private static final String TEMPLATE_INSTRUCTIONS = "You answer questions about the plant floor dashboard.";
    /** What examples/dashboard/src/agents.js gives its RealtimeAgent; the SDK's session.update sends it. */
    private static final String AGENT_INSTRUCTIONS = "You are the dashboard's voice assistant. Answer briefly.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path runtimeDir;
    private int brokerPort;
    private FakeOpenAi fake;
    private DevServer dev;
    private Browser browser;

    @BeforeAll
    void startEverything() throws Exception {
        runtimeDir = Files.createTempDirectory("voice-call-e2e");
        Path templates = runtimeDir.resolve("templates.json");
        Files.writeString(templates, JSON.writeValueAsString(Map.of(
                "companion", Map.of("instructions", TEMPLATE_INSTRUCTIONS),
                "direct", Map.of())));
        fake = FakeOpenAi.http().withWebRtc().start();
        brokerPort = BrokerProcess.freePort();
        dev = DevServer.start(Map.of(
                "OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY,
                "OPENAI_BASE_URL", fake.baseUrl(),
                "VOICE_PORT", String.valueOf(brokerPort),
                "VOICE_RUNTIME_DIR", runtimeDir.toString(),
                "VOICE_SESSION_TEMPLATES", templates.toString()));
        browser = new Browser();
    }

    @AfterEach
    void liveSecretsAgain() {
        fake.expireSecretsAsMinted(false);
    }

    @AfterAll
    void stopEverything() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (dev != null) {
            dev.close();
        }
        DevServer.stopBrokersIn(runtimeDir);
        fake.close();
    }

    @Test
    void theProjectsClientConnectsGetsTheMintedSessionAndExchangesAudio() throws Exception {
        connect("/?mic=1", "cedar");

        browser.waitFor("server-events", events -> events.startsWith("session.created"), MEDIA_TIMEOUT);
        assertEquals("cedar", browser.text("session-voice"), "session.created carries the voice the broker minted");
        assertEquals(TEMPLATE_INSTRUCTIONS, browser.text("session-instructions"), "and the template's instructions");
        assertAudioFlowsBothWays();

        browser.click("hangup");
        assertEquals("closed", browser.text("status"));
        for (String field : List.of("call-state", "session-voice", "session-instructions", "audio-bytes", "model")) {
            assertEquals("", browser.text(field), field + " is cleared on hang-up");
        }
    }

    @Test
    void theOpenAiAgentsSdkConnectsWithTheBrokersValueAndCallsUrl() throws Exception {
        connect("/?mic=1&sdk=1", "marin");

        String events = browser.waitFor("server-events", e -> e.contains("session.updated"), MEDIA_TIMEOUT);
        assertTrue(events.startsWith("session.created"), events);
        JsonNode call = newestCall();
        assertTrue(call.path("clientEvents").toString().contains("session.update"), "the SDK configured the session: " + call);
        assertEquals("marin", browser.text("session-voice"), "the page passed the minted voice to the SDK, so it stays");
        assertEquals(AGENT_INSTRUCTIONS, browser.text("session-instructions"), "the SDK's session.update wins over the template");
        assertAudioFlowsBothWays();

        fake.hangUpWebRtcCalls();
        browser.waitFor("status", "closed"::equals, MEDIA_TIMEOUT);
        assertEquals("", browser.text("call-state"), "the page cleared the ended call");
    }

    @Test
    void anExpiredClientSecretFailsWithAClearErrorOnThePage() throws Exception {
        int callsBefore = fake.webRtcCalls().size();
        fake.expireSecretsAsMinted(true);
        browser.open(dev.origin() + "/");
        browser.click("connect");
        assertEquals("failed", browser.awaitOutcome("connected", CLICK_TIMEOUT).split(" ")[0]);
        assertEquals("realtime_call_failed", browser.text("error-code"));
        assertEquals("401", browser.text("answer-status"));
        assertTrue(browser.text("error-hint").contains("mint a new one"), browser.text("error-hint"));
        assertFalse(browser.text("error-message").matches("(?s).*ek_[A-Za-z0-9].*"), "the secret is not shown");
        assertEquals("", browser.text("call-state"));

        browser.open(dev.origin() + "/?mic=1&sdk=1");
        browser.click("connect");
        assertEquals("failed", browser.awaitOutcome("connected", CLICK_TIMEOUT).split(" ")[0], "the Agents SDK too");
        assertEquals("realtime_call_failed", browser.text("error-code"));
        assertEquals("401", browser.text("answer-status"));
        assertEquals(callsBefore, fake.webRtcCalls().size(), "refused before any SDP reached the WebRTC peer");
    }

    @Test
    void aPageRecoversByItselfWhenTheBrokerRestartsUnderIt() throws Exception {
        browser.open(dev.origin() + "/");
        browser.click("start");
        assertEquals("started", browser.awaitOutcome("started", CLICK_TIMEOUT));
        long before = brokerPid();

        // Another starter replaces the broker: same port, new token. The page still holds the old one.
        ProcessHandle.of(before).ifPresent(ProcessHandle::destroy);
        Object restarted = browser.awaitScript("fetch('/__start_voice', {method: 'POST',"
                + " headers: {'Content-Type': 'application/json'}, body: '{}'}).then((r) => r.status)");
        assertEquals(200L, restarted);
        assertTrue(brokerPid() != before, "a new broker runs");

        browser.click("mint");
        assertEquals("minted", browser.awaitOutcome("minted", CLICK_TIMEOUT), "bad_token led to one re-start and a retry");
        assertEquals("", browser.text("error-code"));
    }

    private long brokerPid() throws IOException {
        Path file = runtimeDir.resolve("broker-" + brokerPort + ".json");
        return Files.exists(file) ? JSON.readTree(file.toFile()).path("pid").asLong() : -1;
    }

    /** Opens the page, picks the voice, clicks Connect and checks that "connected" is what WebRTC itself says. */
    private void connect(String page, String voice) {
        browser.open(dev.origin() + page);
        browser.select("voice-select", voice);
        browser.click("connect");
        assertEquals("connected", browser.awaitOutcome("connected", CLICK_TIMEOUT));
        assertEquals("connected/open", browser.text("call-state"), "connected means ICE, DTLS and the events channel are up");
    }

    /** Inbound audio grows on the page (getStats) and the fake's peer received the fake microphone's RTP. */
    private void assertAudioFlowsBothWays() {
        long first = Long.parseLong(browser.waitFor("audio-bytes", b -> !b.isEmpty() && Long.parseLong(b) > 0, MEDIA_TIMEOUT));
        browser.waitFor("audio-bytes", b -> !b.isEmpty() && Long.parseLong(b) > first, MEDIA_TIMEOUT);
        assertFalse(browser.text("time-first-audio").isEmpty());
        long deadline = System.nanoTime() + MEDIA_TIMEOUT.toNanos();
        JsonNode call = newestCall();
        while (call.path("micPackets").asInt() == 0 && System.nanoTime() < deadline) {
            Pause.millis(100);
            call = newestCall();
        }
        assertTrue(call.path("micPackets").asInt() > 0, "the fake received microphone RTP: " + call);
        assertTrue(call.path("channelOpen").asBoolean(), "the fake's events channel is open: " + call);
        assertEquals("connected", call.path("state").asText(), call.toString());
    }

    private JsonNode newestCall() {
        List<JsonNode> calls = new ArrayList<>();
        fake.webRtcCalls().elements().forEachRemaining(calls::add);
        assertFalse(calls.isEmpty(), "the fake's WebRTC peer answered a call");
        return calls.get(calls.size() - 1);
    }
}
