package voicebroker.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import voicebroker.config.Secret;
import voicebroker.error.Refusal;

/** Upstream failures are told apart the way the fix differs: DNS is not a refused connection; param is in the words. */
class UpstreamErrorsTest {
    /** Its own key: Secret.of registers the value with the process-wide redactor, which other tests read. */
    private static final Secret KEY = Secret.of("sk-test-upstream-errors-qrstuvwxyz0123456789");

    /** What the JDK client really throws for a failure, translated. */
    private static Refusal failureOf(URI target) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Exception thrown = assertThrows(Exception.class,
                () -> client.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()));
        return UpstreamErrors.fromException(thrown).refusal();
    }

    @Test
    void aHostThatDoesNotResolveSaysDnsAndPointsAtTheBaseUrl() {
        // .invalid never resolves (RFC 6761), with or without a network.
        Refusal refusal = failureOf(URI.create("https://voice-broker-test.invalid/v1/realtime/client_secrets"));
        assertEquals("upstream_unavailable", refusal.code().code());
        assertTrue(refusal.message().contains("could not be resolved"), refusal.message());
        assertFalse(refusal.message().contains("refused"), refusal.message());
        assertTrue(refusal.hint().contains("OPENAI_BASE_URL"), refusal.hint());
    }

    @Test
    void aPortNobodyListensOnStillSaysRefused() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            closed = socket.getLocalPort();
        }
        Refusal refusal = failureOf(URI.create("http://127.0.0.1:" + closed + "/v1/realtime/client_secrets"));
        assertEquals("The upstream refused the connection.", refusal.message());
    }

    @Test
    void aRejectedRequestNamesTheUpstreamsParamInTheMessageForTextOutput() {
        byte[] body = "{\"error\":{\"type\":\"invalid_request_error\",\"code\":\"invalid_value\",\"param\":\"session.audio.output.voice\"}}"
                .getBytes(StandardCharsets.UTF_8);
        Refusal refusal = UpstreamErrors.fromStatus(400, body, Optional.empty(), KEY).refusal();
        assertEquals("upstream_rejected", refusal.code().code());
        assertEquals("session.audio.output.voice", refusal.fields().get("param"));
        assertTrue(refusal.message().contains("'session.audio.output.voice'"), refusal.message());
    }

    @Test
    void aParamCarryingAPieceOfTheKeyIsNamedNowhere() {
        byte[] body = "{\"error\":{\"param\":\"qrstuvwxyz0123\"}}".getBytes(StandardCharsets.UTF_8);
        Refusal refusal = UpstreamErrors.fromStatus(400, body, Optional.empty(), KEY).refusal();
        assertFalse(refusal.fields().containsKey("param"));
        assertFalse(refusal.message().contains("qrstuvwx"), refusal.message());
    }
}
