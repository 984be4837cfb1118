package voicebroker.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import voicebroker.json.JsonTree;

/** Calls a running broker the way a script would: the token from its runtime file, as a Bearer header. */
public final class BrokerClient {
    /** Above the broker's own upstream timeout, so the broker's answer (even upstream_timeout) always arrives. */
    private static final Duration MINT_TIMEOUT = Duration.ofSeconds(40);

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
            URI url = url(broker);
            LoopbackHttp.Answer answer = LoopbackHttp.exchange(url.getHost().replace("[", "").replace("]", ""), url.getPort(), "POST", "/api/session", Map.of(
                    "Authorization", "Bearer " + broker.token(), "Content-Type", "application/json"),
                    JsonTree.bytes(fields), MINT_TIMEOUT);
            return new Answer(answer.status(), JsonTree.parse(answer.body()));
        } catch (IOException e) {
            throw LaunchException.failed("the broker at " + broker.url() + " did not answer the mint (" + e.getClass().getSimpleName() + ").",
                    "check it with './voice status'; restart it with './voice stop && ./voice start'.");
        }
    }

    /** The broker's URL from its runtime file: {@code http://<loopback literal>:<port>}. */
    private static URI url(RuntimeInfo broker) throws IOException {
        try {
            URI url = URI.create(broker.url());
            if ("http".equals(url.getScheme()) && url.getHost() != null && url.getPort() > 0) {
                return url;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new IOException("the runtime file's url " + broker.url() + " is not http://<loopback>:<port>");
    }
}
