package voicebroker.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The standalone fake, as used for manual tries and benchmarks: a separate JVM that prints its URL. */
class FakeOpenAiMainTest {

    private static final Pattern READY = Pattern.compile("fake-openai ready url=(\\S+) key=(\\S+) latency-ms=(\\d+)");

    @Test
    void runsStandaloneAndServesWithTheGivenKeyAndLatency() throws Exception {
        Process process = new ProcessBuilder(List.of(BrokerProcess.javaBin(),
                "-cp", System.getProperty("java.class.path"), FakeOpenAi.class.getName(),
                "--port", "0", "--latency-ms", "300", "--key", "sk-cli-key-0123456789"))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Matcher ready = READY.matcher(firstLine(process));
            assertTrue(ready.matches(), ready::toString);
            assertTrue(ready.group(1).matches("http://127\\.0\\.0\\.1:\\d+/v1"), ready.group(1));
            assertEquals("sk-cli-key-0123456789", ready.group(2));

            long start = System.nanoTime();
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(ready.group(1) + "/realtime/client_secrets"))
                            .header("Authorization", "Bearer sk-cli-key-0123456789")
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(FakeOpenAiTest.MINT_BODY)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            assertTrue((System.nanoTime() - start) / 1_000_000 >= 300, "the configured latency applies");
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void badOptionExitsWithUsage() throws Exception {
        Process process = new ProcessBuilder(List.of(BrokerProcess.javaBin(),
                "-cp", System.getProperty("java.class.path"), FakeOpenAi.class.getName(), "--bogus", "1"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(process.waitFor(20, TimeUnit.SECONDS));
        assertEquals(2, process.exitValue());
    }

    private static String firstLine(Process process) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).get(20, TimeUnit.SECONDS);
    }
}
