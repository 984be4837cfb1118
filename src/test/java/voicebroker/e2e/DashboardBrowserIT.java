package voicebroker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.RecordedRequest;

/**
 * The whole path in a real browser: Debian's Chromium loads the example dashboard from a real Vite dev server,
 * clicks, the plugin's /__start_voice has the Java launcher spawn the real broker, the page mints and posts its
 * SDP offer to the calls_url the broker returned, on the fake upstream that OPENAI_BASE_URL points at.
 */
class DashboardBrowserIT {
    private static final Duration CLICK_TIMEOUT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path runtimeDir;
    private FakeOpenAi fake;
    private int brokerPort;

    @BeforeEach
    void startFake() {
        fake = FakeOpenAi.http().withWebRtc().start();
        brokerPort = BrokerProcess.freePort();
    }

    @AfterEach
    void stopEverything() {
        DevServer.stopBrokersIn(runtimeDir);
        fake.close();
    }

    private Map<String, String> devEnv(boolean withKey, String... extra) {
        Map<String, String> env = new HashMap<>();
        if (withKey) {
            env.put("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY);
        }
        env.put("OPENAI_BASE_URL", fake.baseUrl());
        env.put("VOICE_PORT", String.valueOf(brokerPort));
        env.put("VOICE_RUNTIME_DIR", runtimeDir.toString());
        for (int i = 0; i < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return env;
    }

    private JsonNode runtimeFile() throws IOException {
        return JSON.readTree(runtimeDir.resolve("broker-" + brokerPort + ".json").toFile());
    }

    @Test
    void aClickStartsTheBrokerMintsAndReachesTheCallsUrlWithTheMintedSecret() throws Exception {
        try (DevServer dev = DevServer.start(devEnv(true)); Browser browser = new Browser()) {
            browser.open(dev.origin() + "/");
            browser.click("connect");
            assertEquals("connected", browser.awaitOutcome("connected", CLICK_TIMEOUT));
            assertEquals("201", browser.text("answer-status"));
            assertTrue(browser.text("calls-url").startsWith(fake.baseUrl()), "the page used the calls_url of the overridden base");

            List<RecordedRequest> calls = fake.requestsTo("/v1/realtime/calls").stream().filter(r -> r.method().equals("POST")).toList();
            assertEquals(1, calls.size());
            String secret = calls.get(0).bearerToken();
            assertTrue(secret.startsWith("ek_") && fake.isLiveSecret(secret), "the offer carried the secret the broker minted");
            assertTrue(calls.get(0).header("content-type").startsWith("application/sdp"));
            assertTrue(calls.get(0).bodyText().startsWith("v=0"));
            assertTrue(fake.contractViolations().isEmpty(), fake.contractViolations().toString());
            assertTrue(runtimeFile().path("allowed_origins").toString().contains(dev.origin()), "the plugin allowed the dev server's own origin");

            assertTheKeyIsNowhere(browser, dev);
        }
    }

    @Test
    void anSdpAnswerAloneIsNotAConnectedCall() throws Exception {
        // An upstream that accepts the offer (201) but whose answer leads nowhere: no ICE, no DTLS, no channel.
        try (FakeOpenAi signallingOnly = FakeOpenAi.http().start();
             DevServer dev = DevServer.start(devEnv(true, "OPENAI_BASE_URL", signallingOnly.baseUrl()));
             Browser browser = new Browser()) {
            browser.open(dev.origin() + "/?connectTimeoutMs=3000");
            browser.click("connect");
            assertTrue(browser.awaitOutcome("connected", CLICK_TIMEOUT).startsWith("failed"), "never reported connected");
            assertEquals("connect_timeout", browser.text("error-code"), browser.text("log"));
            assertTrue(browser.text("error-hint").contains("UDP"), browser.text("error-hint"));
            assertEquals("", browser.text("call-state"));
            assertEquals(1, signallingOnly.requestsTo("/v1/realtime/calls").stream().filter(r -> r.method().equals("POST")).count(),
                    "the offer was answered: only the connection was missing");
        }
    }

    @Test
    void aSecondClickReusesTheBrokerAndAChangedConfigurationRestartsIt() throws Exception {
        long firstPid;
        try (DevServer dev = DevServer.start(devEnv(true)); Browser browser = new Browser()) {
            browser.open(dev.origin() + "/");
            browser.click("start");
            assertEquals("started", browser.awaitOutcome("started", CLICK_TIMEOUT));
            assertEquals("false", browser.text("already"));
            firstPid = runtimeFile().path("pid").asLong();

            browser.open(dev.origin() + "/");
            browser.click("start");
            assertEquals("started", browser.awaitOutcome("started", CLICK_TIMEOUT));
            assertEquals("true", browser.text("already"));
            assertEquals(firstPid, runtimeFile().path("pid").asLong(), "the same broker");
        }
        try (DevServer dev = DevServer.start(devEnv(true, "VOICE_SECRET_TTL", "300")); Browser browser = new Browser()) {
            browser.open(dev.origin() + "/");
            browser.click("start");
            assertEquals("started", browser.awaitOutcome("started", CLICK_TIMEOUT));
            assertEquals("false", browser.text("already"));
            long secondPid = runtimeFile().path("pid").asLong();
            assertNotEquals(firstPid, secondPid, "a broker with stale configuration is restarted, not reported healthy");
            assertTrue(exitsWithin(firstPid, Duration.ofSeconds(5)), "the stale broker is gone");
        }
    }

    @Test
    void aPageOnAnotherOriginCannotMint() throws Exception {
        try (DevServer dashboard = DevServer.start(devEnv(true)); DevServer other = DevServer.start(devEnv(true));
             Browser browser = new Browser()) {
            browser.open(dashboard.origin() + "/");
            browser.click("start");
            assertEquals("started", browser.awaitOutcome("started", CLICK_TIMEOUT));
            fake.clear();

            browser.open(other.origin() + "/?broker=" + runtimeFile().path("url").asText());
            browser.click("mint");
            assertTrue(browser.awaitOutcome("error", CLICK_TIMEOUT).startsWith("error"));
            assertEquals("forbidden_origin", browser.text("error-code"), browser.text("error-message") + "\n" + browser.text("log"));
            assertFalse(browser.text("error-hint").isBlank(), "the page shows a hint");
            assertEquals(0, fake.requestsTo("/v1/realtime/client_secrets").size(), "nothing was minted for the other origin");
        }
    }

    @Test
    void withoutAKeyThePageShowsNoKeyWithItsHint() throws Exception {
        try (DevServer dev = DevServer.start(devEnv(false)); Browser browser = new Browser()) {
            browser.open(dev.origin() + "/");
            browser.click("mint");
            assertTrue(browser.awaitOutcome("error", CLICK_TIMEOUT).startsWith("error"));
            assertEquals("no_key", browser.text("error-code"));
            assertTrue(browser.text("error-hint").contains("OPENAI_API_KEY"), browser.text("error-hint"));
            assertEquals(0, fake.requestsTo("/v1/realtime/client_secrets").size());
        }
    }

    /** True once the process is gone or a zombie (an orphan may wait a moment for init to reap it). */
    private static boolean exitsWithin(long pid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                    return true;
                }
            } catch (IOException gone) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private void assertTheKeyIsNowhere(Browser browser, DevServer dev) throws IOException {
        String key = FakeOpenAi.DEFAULT_KEY;
        assertFalse(browser.pageSource().contains(key), "not in the DOM");
        assertEquals("", String.valueOf(browser.script("return Object.keys(localStorage).join(',') + Object.keys(sessionStorage).join(',')")),
                "nothing in storage");
        List<String> bodies = browser.receivedBodies();
        assertTrue(bodies.stream().anyMatch(b -> b.contains("ek_")), "the scan saw the mint response: " + bodies.size() + " bodies");
        assertTrue(bodies.stream().noneMatch(b -> b.contains(key)), "not in any response the browser received");
        long brokerPid = runtimeFile().path("pid").asLong();
        for (long pid : new long[] {brokerPid, dev.pid()}) {
            String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.ISO_8859_1);
            assertFalse(cmdline.isEmpty(), "read the argv of " + pid);
            assertFalse(cmdline.contains(key), "not in the argv of " + pid);
        }
        try (Stream<Path> files = Files.list(runtimeDir)) {
            for (Path file : files.toList()) {
                assertFalse(Files.readString(file, StandardCharsets.ISO_8859_1).contains(key), "not in " + file.getFileName());
            }
        }
        assertFalse(dev.output().contains(key), "not in the dev server's output");
    }
}
