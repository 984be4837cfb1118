package voicebroker.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import voicebroker.testkit.FakeOpenAi;

/**
 * {@code voice launcher}, the dev server's warm launcher, as a real process driven over its pipes: it judges
 * every request before anything else happens, becomes the broker on the first accepted click, answers later
 * clicks from the broker it has, and takes the broker with it when the dev server goes away.
 */
class WarmLauncherIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEV_ORIGIN = "http://localhost:5173";
    private static final List<String> DEV_ORIGINS = List.of(DEV_ORIGIN, "http://127.0.0.1:5173", "http://[::1]:5173");
    private static FakeOpenAi fake;
    /** A real loopback connection of this test's user, standing for the browser's connection to the dev server. */
    private static ServerSocket devServer;
    private static java.net.Socket browser;
    private static java.net.Socket accepted;
    private VoiceCli voice;
    private WarmLauncher launcher;

    @BeforeAll
    static void startFake() throws java.io.IOException {
        fake = FakeOpenAi.http().start();
        devServer = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        browser = new java.net.Socket(InetAddress.getByName("127.0.0.1"), devServer.getLocalPort());
        accepted = devServer.accept();
    }

    @AfterAll
    static void stopFake() throws java.io.IOException {
        fake.close();
        accepted.close();
        browser.close();
        devServer.close();
    }

    @BeforeEach
    void start() throws Exception {
        voice = new VoiceCli(fake.baseUrl());
        launcher = new WarmLauncher(voice, Map.of());
        assertEquals(launcher.pid(), launcher.ready().path("pid").asLong(), "the first line says it is ready");
    }

    @AfterEach
    void cleanUp() {
        launcher.close();
        voice.close();
    }

    /** What the plugin sends for a dashboard click: its own settings, then the browser's request as Node saw it. */
    private static ObjectNode click(String origin, String body) {
        ObjectNode input = JSON.createObjectNode();
        ObjectNode config = input.putObject("config");
        DEV_ORIGINS.forEach(config.putArray("allowedOrigins")::add);
        config.putArray("allowedHosts").add("localhost:5173").add("127.0.0.1:5173").add("[::1]:5173");
        config.putNull("dashboardTokenHeader");
        config.putNull("dashboardTokenFile");
        ObjectNode request = input.putObject("request");
        request.put("method", "POST");
        request.put("peer", "::ffff:127.0.0.1");
        request.put("peerPort", accepted.getPort());
        request.put("localAddress", "127.0.0.1");
        request.put("localPort", accepted.getLocalPort());
        ObjectNode headers = request.putObject("headers");
        headers.putArray("host").add("localhost:5173");
        headers.putArray("origin").add(origin);
        headers.putArray("content-type").add("application/json");
        headers.putArray("sec-fetch-site").add("same-origin");
        request.put("body", body);
        return input;
    }

    private long children() {
        return launcher.process().toHandle().descendants().count();
    }

    @Test
    void theFirstAcceptedClickMakesTheLauncherTheBrokerAndLaterClicksFindIt() throws Exception {
        JsonNode first = launcher.ask(click(DEV_ORIGIN, "{}"));

        assertEquals(200, first.path("status").asInt(), first::toString);
        JsonNode body = first.path("body");
        JsonNode runtime = voice.runtimeFile().orElseThrow();
        assertEquals("http://127.0.0.1:" + voice.port, body.path("url").asText());
        assertEquals(runtime.path("token").asText(), body.path("token").asText(), "the page gets the running broker's token");
        assertFalse(body.path("already").asBoolean());
        assertEquals(launcher.pid(), runtime.path("pid").asLong(), "the broker runs in the launcher's own process");
        assertEquals("dev server", runtime.path("started_by").asText());
        List<String> allowed = new ArrayList<>();
        runtime.path("allowed_origins").forEach(origin -> allowed.add(origin.asText()));
        assertEquals(DEV_ORIGINS, allowed, "the broker allows exactly the dev server's origins");
        assertEquals(0, children(), "no process was started");
        assertEquals(0, voice.run("status").exit(), "the broker answers");

        JsonNode second = launcher.ask(click(DEV_ORIGIN, ""));
        assertTrue(second.path("body").path("already").asBoolean(), "a warm click finds the same broker: " + second);
        assertEquals(body.path("token").asText(), second.path("body").path("token").asText());
        assertEquals(0, children(), "a warm click starts no process");
        assertFalse(launcher.stderr().contains(VoiceCli.KEY), "the key is never printed");
    }

    @Test
    void refusalsStartNothing() throws Exception {
        JsonNode foreign = launcher.ask(click("http://localhost:3000", "{}"));
        assertEquals(403, foreign.path("status").asInt(), foreign::toString);
        assertEquals("forbidden_origin", foreign.path("body").path("error").asText());

        JsonNode key = launcher.ask(click(DEV_ORIGIN, "{\"key\":\"sk-test-from-the-browser-0123456789\"}"));
        assertEquals(400, key.path("status").asInt(), key::toString);
        assertEquals("key_from_browser", key.path("body").path("error").asText());
        assertFalse(key.toString().contains("sk-test-from-the-browser-0123456789"));

        assertFalse(Files.exists(voice.runtimeFilePath()), "no broker was started");
        assertEquals(0, children(), "no process was started");
    }

    @Test
    void wrongDashboardTokensAreThrottledAcrossRequestsAndStartNothing() throws Exception {
        java.nio.file.Path tokenFile = voice.home.resolve("dashboard-token");
        Files.writeString(tokenFile, "the-dashboard-token-0123456789abcdef");
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            ObjectNode wrong = click(DEV_ORIGIN, "{}");
            ((ObjectNode) wrong.path("config")).put("dashboardTokenHeader", "x-dashboard-token").put("dashboardTokenFile", tokenFile.toString());
            ((ObjectNode) wrong.path("request").path("headers")).putArray("x-dashboard-token").add("wrong-token-" + i);
            statuses.add(launcher.ask(wrong).path("status").asInt());
        }
        assertEquals(401, statuses.get(0), statuses::toString);
        assertEquals(429, statuses.get(statuses.size() - 1), "later failures are throttled, counted across requests: " + statuses);
        assertFalse(Files.exists(voice.runtimeFilePath()), "no broker was started");
        assertEquals(0, children(), "no process was started");
    }

    @Test
    void concurrentColdClicksMakeOneBroker() throws Exception {
        List<CompletableFuture<JsonNode>> clicks = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            clicks.add(launcher.send(click(DEV_ORIGIN, "{}")));
        }
        List<JsonNode> answers = new ArrayList<>();
        for (CompletableFuture<JsonNode> click : clicks) {
            answers.add(click.get());
        }
        for (JsonNode answer : answers) {
            assertEquals(200, answer.path("status").asInt(), answer::toString);
        }
        Set<String> tokens = answers.stream().map(a -> a.path("body").path("token").asText()).collect(Collectors.toSet());
        assertEquals(1, tokens.size(), "every click got the same broker");
        assertEquals(1, answers.stream().filter(a -> !a.path("body").path("already").asBoolean()).count(), "exactly one click started it");
        assertEquals(List.of(launcher.pid()), voice.brokersOnThisPort(), "one broker process serves the port: the launcher");
    }

    @Test
    void theBrokerEndsWithTheDevServer() throws Exception {
        launcher.ask(click(DEV_ORIGIN, "{}"));
        assertTrue(Files.exists(voice.runtimeFilePath()));

        assertTrue(launcher.closeInputAndWait(Duration.ofSeconds(20)), "the launcher exits when its input ends");
        assertFalse(Files.exists(voice.runtimeFilePath()), "its runtime file is removed");
        assertEquals(3, voice.run("status").exit(), "no broker runs any more");
    }

    @Test
    void voiceStopFromAShellStopsTheDevServersBrokerByEndingItsLauncher() throws Exception {
        launcher.ask(click(DEV_ORIGIN, "{}"));

        VoiceCli.Run stop = voice.run("stop");

        assertEquals(0, stop.exit(), stop::toString);
        assertTrue(stop.stdout().contains("stopped (pid " + launcher.pid()), stop::toString);
        // stop reports once the launcher has exited; this JVM, its parent, reaps it a moment later
        assertTrue(launcher.process().waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "the launcher that held the broker is gone");
        assertFalse(Files.exists(voice.runtimeFilePath()));
    }

    @Test
    void aBrokerFromAShellIsReusedWhenItServesThePageAndReplacedWhenItsKeyDiffers() throws Exception {
        assertEquals(0, voice.run("start").exit());
        long shellBroker = voice.runtimeFile().orElseThrow().path("pid").asLong();

        JsonNode reused = launcher.ask(click(DEV_ORIGIN, "{}"));
        assertTrue(reused.path("body").path("already").asBoolean(), "the shell's broker allows the page's origin: " + reused);
        assertEquals(shellBroker, voice.runtimeFile().orElseThrow().path("pid").asLong());

        voice.env("OPENAI_API_KEY", "sk-test-another-key-000000000000000000");
        assertEquals(0, voice.run("start").exit());
        JsonNode replaced = launcher.ask(click(DEV_ORIGIN, "{}"));
        assertEquals(200, replaced.path("status").asInt(), replaced::toString);
        assertEquals("the OpenAI key differs", replaced.path("body").path("restarted").asText(), "it says what differed");
        assertEquals(launcher.pid(), voice.runtimeFile().orElseThrow().path("pid").asLong(), "the stale broker was replaced");
    }

    @Test
    void aShellStartDoesNotRestartTheDevServersBrokerForAnOriginItAlreadyAllows() throws Exception {
        launcher.ask(click(DEV_ORIGIN, "{}"));

        VoiceCli.Run start = voice.run("start", "--json");

        assertEquals(0, start.exit(), start::toString);
        assertTrue(start.json().path("already").asBoolean(), "the default origins are a subset of the dev server's: " + start);
        assertEquals(launcher.pid(), start.json().path("pid").asLong());
    }

    @Test
    void aPortHeldByAnotherProgramIsAnErrorNotASuccess() throws Exception {
        try (ServerSocket holder = new ServerSocket()) {
            holder.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), voice.port));
            JsonNode answer = launcher.ask(click(DEV_ORIGIN, "{}"));
            assertEquals(409, answer.path("status").asInt(), answer::toString);
            assertEquals("port_in_use", answer.path("body").path("error").asText());
        }
    }

    @Test
    void aLineThatBreaksTheProtocolIsAnsweredAndTheLauncherKeepsServing() throws Exception {
        launcher.sendLine("{\"id\": 99, \"config\": {}}");
        JsonNode broken = launcher.answer(99);
        assertEquals(500, broken.path("status").asInt(), broken::toString);
        assertEquals("launch_failed", broken.path("body").path("error").asText());

        JsonNode click = launcher.ask(click("http://localhost:3000", "{}"));
        assertEquals(403, click.path("status").asInt(), "still serving: " + click);
        assertNotEquals(0, launcher.pid());
    }
}
