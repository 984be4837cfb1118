package voicebroker.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import voicebroker.testkit.FakeOpenAi;

/**
 * {@code voice start-request}, the dev server plugin's contract: one JSON object in on stdin, one out on
 * stdout, exit 0 whenever a response was printed; a real broker is started only for an accepted request.
 */
class StartRequestIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEV_ORIGIN = "http://localhost:5173";
    private static FakeOpenAi fake;
    /** A real loopback connection of this test's user, standing for the browser's connection to the dev server. */
    private static ServerSocket devServer;
    private static Socket browser;
    private static Socket accepted;
    private VoiceCli voice;

    @BeforeAll
    static void startFake() throws IOException {
        fake = FakeOpenAi.http().start();
        devServer = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        browser = new Socket(InetAddress.getByName("127.0.0.1"), devServer.getLocalPort());
        accepted = devServer.accept();
    }

    @AfterAll
    static void stopFake() throws IOException {
        fake.close();
        accepted.close();
        browser.close();
        devServer.close();
    }

    @BeforeEach
    void newCli() {
        voice = new VoiceCli(fake.baseUrl());
    }

    @AfterEach
    void cleanUp() {
        voice.close();
    }

    /** What the plugin sends for a dashboard click: its own settings, then the browser's request as Node saw it. */
    private static ObjectNode click(String origin, String body) {
        ObjectNode input = JSON.createObjectNode();
        ObjectNode config = input.putObject("config");
        config.putArray("allowedOrigins").add(DEV_ORIGIN);
        config.putArray("allowedHosts").add("localhost:5173");
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
        request.put("bodyTooLarge", false);
        return input;
    }

    private JsonNode answer(VoiceCli.Run run) {
        assertEquals(0, run.exit(), run::toString);
        assertEquals(1, run.stdout().strip().lines().count(), "exactly one JSON object on stdout: " + run);
        JsonNode answer = run.json();
        assertEquals("no-store", answer.path("headers").path("Cache-Control").asText());
        assertFalse(run.all().contains(VoiceCli.KEY));
        return answer;
    }

    @Test
    void anAcceptedClickStartsOneBrokerForTheDevServersOrigins() throws Exception {
        JsonNode first = answer(voice.runWithStdin(click(DEV_ORIGIN, "{}").toString(), "start-request"));

        assertEquals(200, first.path("status").asInt(), first::toString);
        JsonNode body = first.path("body");
        JsonNode runtime = voice.runtimeFile().orElseThrow();
        assertTrue(body.path("ok").asBoolean());
        assertEquals("http://127.0.0.1:" + voice.port, body.path("url").asText());
        assertEquals(runtime.path("token").asText(), body.path("token").asText(), "the page gets the running broker's token");
        assertTrue(body.path("keyed").asBoolean());
        assertFalse(body.path("already").asBoolean());
        assertEquals(List.of(DEV_ORIGIN), List.of(runtime.path("allowed_origins").get(0).asText()));
        assertEquals(1, runtime.path("allowed_origins").size(), "the broker allows exactly the dev server's origins");

        JsonNode second = answer(voice.runWithStdin(click(DEV_ORIGIN, "").toString(), "start-request"));
        assertEquals(200, second.path("status").asInt(), second::toString);
        assertTrue(second.path("body").path("already").asBoolean(), "a second click finds the same broker");
        assertEquals(runtime.path("pid").asLong(), voice.runtimeFile().orElseThrow().path("pid").asLong());
    }

    @Test
    void aForeignOriginIsRefusedAndStartsNothing() {
        JsonNode answer = answer(voice.runWithStdin(click("http://localhost:3000", "{}").toString(), "start-request"));

        assertEquals(403, answer.path("status").asInt(), answer::toString);
        assertEquals("forbidden_origin", answer.path("body").path("error").asText());
        assertFalse(Files.exists(voice.runtimeFilePath()), "no broker was started");
    }

    @Test
    void aKeyInTheBodyIsRefusedAndStartsNothing() {
        JsonNode answer = answer(voice.runWithStdin(click(DEV_ORIGIN, "{\"key\":\"sk-test-from-the-browser-0123456789\"}").toString(),
                "start-request"));

        assertEquals(400, answer.path("status").asInt(), answer::toString);
        assertEquals("key_from_browser", answer.path("body").path("error").asText());
        assertFalse(answer.toString().contains("sk-test-from-the-browser-0123456789"));
        assertFalse(Files.exists(voice.runtimeFilePath()), "no broker was started");
    }

    @Test
    void inputThatBreaksTheProtocolPrintsNothingAndExits2() {
        VoiceCli.Run run = voice.runWithStdin("{\"config\":{}}", "start-request");

        assertEquals(2, run.exit(), run::toString);
        assertEquals("", run.stdout());
        assertTrue(run.stderr().contains("bad input"), run::toString);
    }
}
