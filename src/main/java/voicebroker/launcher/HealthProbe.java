package voicebroker.launcher;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * Asks {@code GET /api/health} on the loopback port whether a voice-broker answers. Health needs no token and
 * says nothing secret; the top-level {@code service} field tells our broker apart from any other HTTP server.
 * One {@link LoopbackHttp} exchange, read with Jackson's streaming parser (no object mapper to set up).
 */
final class HealthProbe {
    static final Duration TIMEOUT = Duration.ofMillis(1500);
    private static final JsonFactory JSON = new JsonFactory();

    private HealthProbe() {
    }

    /** True when a voice-broker answers health on 127.0.0.1:port within the timeout. */
    static boolean isVoiceBroker(int port) {
        try {
            LoopbackHttp.Answer answer = LoopbackHttp.exchange("127.0.0.1", port, "GET", "/api/health", Map.of("Accept", "application/json"),
                    new byte[0], TIMEOUT);
            return answer.status() == 200 && "voice-broker".equals(topLevelText(answer.body(), "service"));
        } catch (IOException e) {
            return false;
        }
    }

    private static String topLevelText(String json, String field) throws IOException {
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals(field) && value == JsonToken.VALUE_STRING) {
                    return parser.getText();
                }
                parser.skipChildren();
            }
            return null;
        }
    }
}
