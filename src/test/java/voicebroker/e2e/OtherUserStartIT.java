package voicebroker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.RawHttp;

/**
 * Another OS user on the machine POSTs /__start_voice to the real Vite dev server with the real plugin, forging
 * the dashboard's Host, Origin and fetch metadata (headers are forgeable outside a browser). It must get no
 * token and start no broker; the same request from the dev server's own user starts one, so the refusal is the
 * caller's user and nothing else.
 */
class OtherUserStartIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path runtimeDir;

    @Test
    void anotherUserGetsNoTokenAndStartsNoBrokerWhileTheDevServersUserDoes() throws Exception {
        int brokerPort = BrokerProcess.freePort();
        try (FakeOpenAi fake = FakeOpenAi.http().start();
             DevServer dev = DevServer.start(Map.of("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY, "OPENAI_BASE_URL", fake.baseUrl(),
                     "VOICE_PORT", String.valueOf(brokerPort), "VOICE_RUNTIME_DIR", runtimeDir.toString()))) {
            int port = Integer.parseInt(dev.origin().substring(dev.origin().lastIndexOf(':') + 1));
            String request = "POST /__start_voice HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nOrigin: " + dev.origin()
                    + "\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}";
            assertEquals(List.of(), brokersOfThisTest(), "no broker before");

            String answer = asNobody("exec 3<>/dev/tcp/127.0.0.1/" + port + " && printf '%s' \"$1\" >&3 && timeout 60 cat <&3", request);
            assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
            assertTrue(answer.contains("\"error\":\"foreign_user\""), answer);
            assertFalse(answer.contains("\"token\""), "no token for another user: " + answer);
            assertEquals(List.of(), runtimeFiles(), "no runtime file");
            assertEquals(List.of(), brokersOfThisTest(), "no broker process");
            assertEquals(List.of(), fake.requests(), "nothing reached the upstream");

            RawHttp.Response own = RawHttp.client().timeout(Duration.ofSeconds(120)).send("127.0.0.1", port, request);
            assertEquals(200, own.status(), "the dev server's own user starts the broker: " + own + "\n" + dev.output());
            JsonNode body = own.json();
            assertTrue(body.path("token").asText().length() >= 32, "and gets its token");
            assertEquals(1, runtimeFiles().size(), "one broker now");
            long brokerPid = new com.fasterxml.jackson.databind.ObjectMapper().readTree(runtimeFiles().get(0).toFile()).path("pid").asLong();
            assertTrue(ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive).orElse(false), "its process runs (the dev server's launcher)");
        } finally {
            brokersOfThisTest().forEach(ProcessHandle::destroy);
        }
    }

    private List<Path> runtimeFiles() throws IOException {
        try (Stream<Path> files = Files.list(runtimeDir)) {
            return files.filter(p -> p.getFileName().toString().matches("broker-\\d+\\.json")).toList();
        }
    }

    /**
     * Broker processes spawned for this test ({@code voice-broker.jar serve}): their environment names this test's
     * runtime directory. A broker in the dev server's warm launcher is found by its runtime file instead.
     */
    private List<ProcessHandle> brokersOfThisTest() {
        String marker = "VOICE_RUNTIME_DIR=" + runtimeDir;
        return ProcessHandle.allProcesses().filter(process -> {
            try {
                String environ = new String(Files.readAllBytes(Path.of("/proc/" + process.pid() + "/environ")), StandardCharsets.ISO_8859_1);
                String cmdline = new String(Files.readAllBytes(Path.of("/proc/" + process.pid() + "/cmdline")), StandardCharsets.ISO_8859_1);
                return List.of(environ.split("\0")).contains(marker) && cmdline.contains("voice-broker.jar") && cmdline.endsWith("serve\0");
            } catch (IOException | RuntimeException gone) {
                return false;
            }
        }).toList();
    }

    private static String asNobody(String script, String argument) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("runuser", "-u", "nobody", "--", "bash", "-c", script, "client", argument));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(90, TimeUnit.SECONDS), "runuser finished");
        return new String(output, StandardCharsets.ISO_8859_1);
    }
}
