package voicebroker.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** Calls a running broker the way a script would: the token from its runtime file, as a Bearer header. */
public final class BrokerClient {
    /** Above the broker's own upstream timeout, so the broker's answer (even upstream_timeout) always arrives. */
    private static final Duration MINT_TIMEOUT = Duration.ofSeconds(40);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The broker's answer: its status and JSON body (a refusal has error, message and hint). */
    public record Answer(int status, JsonNode body) {
        public boolean ok() {
            return status == 200;
        }
    }

    private BrokerClient() {
    }

    /** {@code POST /api/session} with the given fields (voice, mode). */
    public static Answer mint(RuntimeInfo broker, Map<String, String> fields) throws LaunchException {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(broker.url() + "/api/session"))
                    .timeout(MINT_TIMEOUT)
                    .header("Authorization", "Bearer " + broker.token())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(fields)))
                    .build();
            HttpResponse<byte[]> response = BrokerHttp.client().send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(response.statusCode(), JSON.readTree(response.body()));
        } catch (IOException e) {
            throw LaunchException.failed("the broker at " + broker.url() + " did not answer the mint (" + e.getClass().getSimpleName() + ").",
                    "check it with './voice status'; restart it with './voice stop && ./voice start'.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw LaunchException.failed("interrupted while waiting for the broker.", "run the command again.");
        }
    }
}
