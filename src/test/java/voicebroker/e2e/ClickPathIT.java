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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.RawHttp;

/**
 * The click path as a dashboard drives it, through the real Vite dev server and plugin: one warm launcher is
 * started with the dev server, and from then on no request, refused or accepted, warm or cold, starts a process.
 * Processes are counted as the dev server's descendants.
 */
class ClickPathIT {
    private static final Duration LAUNCHER_READY = Duration.ofSeconds(90);
    private static final Pattern READY = Pattern.compile("launcher ready \\(pid (\\d+)\\)");
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path runtimeDir;
    private FakeOpenAi fake;
    private int brokerPort;
    private DevServer dev;
    private long launcherPid;

    @BeforeEach
    void start() {
        fake = FakeOpenAi.http().start();
        brokerPort = BrokerProcess.freePort();
        Map<String, String> env = new HashMap<>();
        env.put("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY);
        env.put("OPENAI_BASE_URL", fake.baseUrl());
        env.put("VOICE_PORT", String.valueOf(brokerPort));
        env.put("VOICE_RUNTIME_DIR", runtimeDir.toString());
        dev = DevServer.start(env);
        launcherPid = Long.parseLong(dev.awaitOutput(READY, LAUNCHER_READY).group(1));
    }

    @AfterEach
    void stop() {
        dev.close();
        fake.close();
    }

    private Set<Long> devServerProcesses() {
        return ProcessHandle.of(dev.pid()).orElseThrow().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }

    private RawHttp.Response post(String origin, String body) {
        String host = dev.origin().substring("http://".length());
        StringBuilder request = new StringBuilder("POST /__start_voice HTTP/1.1\r\nHost: " + host + "\r\n");
        if (origin != null) {
            request.append("Origin: ").append(origin).append("\r\n");
        }
        request.append("Content-Type: application/json\r\nSec-Fetch-Site: same-origin\r\nContent-Length: ").append(body.length())
                .append("\r\nConnection: close\r\n\r\n").append(body);
        return RawHttp.send("127.0.0.1", Integer.parseInt(host.substring(host.indexOf(':') + 1)), request.toString());
    }

    private JsonNode accepted(RawHttp.Response response) {
        assertEquals(200, response.status(), response::toString);
        return response.json();
    }

    private Path runtimeFile() {
        return runtimeDir.resolve("broker-" + brokerPort + ".json");
    }

    @Test
    void refusedRequestsStartNoProcessAndNoBroker() {
        Set<Long> before = devServerProcesses();
        assertTrue(before.contains(launcherPid), "the warm launcher runs under the dev server: " + before);

        for (int i = 0; i < 10; i++) {
            assertEquals(403, post("http://evil.example", "{}").status(), "a foreign origin");
            assertEquals(403, post(null, "{}").status(), "no origin: not a browser page");
            assertEquals(400, post(dev.origin(), "{\"key\":\"sk-test-from-the-page-000000000000\"}").status(), "a key from the page");
        }

        assertEquals(before, devServerProcesses(), "no refused request started a process");
        assertFalse(Files.exists(runtimeFile()), "no broker was started");
    }

    @Test
    void coldAndWarmClicksStartNoProcess() throws Exception {
        Set<Long> before = devServerProcesses();

        JsonNode cold = accepted(post(dev.origin(), "{}"));
        assertFalse(cold.path("already").asBoolean());
        assertEquals(launcherPid, JSON.readTree(runtimeFile().toFile()).path("pid").asLong(), "the launcher became the broker");

        JsonNode warm = accepted(post(dev.origin(), ""));
        assertTrue(warm.path("already").asBoolean());
        assertEquals(cold.path("token").asText(), warm.path("token").asText());

        assertEquals(before, devServerProcesses(), "neither click started a process");
    }

    @Test
    void concurrentColdClicksMakeOneBroker() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Future<RawHttp.Response>> clicks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            clicks.add(pool.submit(() -> post(dev.origin(), "{}")));
        }
        List<JsonNode> answers = new ArrayList<>();
        for (Future<RawHttp.Response> click : clicks) {
            answers.add(accepted(click.get()));
        }
        pool.shutdown();

        assertEquals(1, answers.stream().map(a -> a.path("token").asText()).distinct().count(), "one broker for every click");
        assertEquals(1, answers.stream().filter(a -> !a.path("already").asBoolean()).count(), "exactly one click started it");
    }

    @Test
    void aStaleBrokerFromAShellIsReplacedAndTheLogSaysWhy() throws Exception {
        Process shell = shellStart(Map.of("OPENAI_API_KEY", "sk-test-another-key-000000000000000000", "OPENAI_BASE_URL", fake.baseUrl(),
                "VOICE_PORT", String.valueOf(brokerPort), "VOICE_RUNTIME_DIR", runtimeDir.toString()));
        assertEquals(0, shell.waitFor(), "voice start from a shell");
        long shellBroker = JSON.readTree(runtimeFile().toFile()).path("pid").asLong();

        JsonNode click = accepted(post(dev.origin(), "{}"));

        assertFalse(click.path("already").asBoolean());
        assertFalse(click.has("restarted"), "why is for the dev server's log, not for the page");
        assertEquals(launcherPid, JSON.readTree(runtimeFile().toFile()).path("pid").asLong());
        assertFalse(runs(shellBroker), "the stale broker is gone");
        dev.awaitOutput(Pattern.compile("broker restarted \\(the OpenAI key differs\\)"), Duration.ofSeconds(10));
    }

    /** Alive and not a zombie (an orphaned broker may wait for a reaper that never comes). */
    private static boolean runs(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private static Process shellStart(Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(BrokerProcess.javaBin(), "-jar", System.getProperty(BrokerProcess.JAR_PROPERTY), "start")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv("PATH"));
        builder.environment().put("HOME", System.getenv().getOrDefault("HOME", "/tmp"));
        builder.environment().putAll(env);
        return builder.start();
    }
}
