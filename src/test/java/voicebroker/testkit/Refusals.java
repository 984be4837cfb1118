package voicebroker.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import voicebroker.error.ErrorCode;

/**
 * The one strict check of a broker refusal, shared by the in-process pipeline tests, the integration tests and the
 * adversarial suite, so a refusal means the same thing in every layer.
 */
public final class Refusals {
    /** Every code the broker may answer with, from the enum itself, so a typo in a test cannot pass. */
    public static final Set<String> CODES = Arrays.stream(ErrorCode.values()).map(ErrorCode::code).collect(Collectors.toUnmodifiableSet());

    private Refusals() {
    }

    /**
     * The answer is our JSON refusal {@code code} with {@code status}: a message and a hint, and the headers every
     * answer carries (no-store, nosniff, JSON content type, Vary: Origin, no wildcard CORS). Answers the body.
     */
    public static JsonNode assertRefusal(Answer answer, int status, String code) {
        assertTrue(CODES.contains(code), "unknown code " + code);
        JsonNode body = answer.json();
        assertEquals(code, body.path("error").asText(), answer.toString());
        assertEquals(status, answer.status(), answer.toString());
        assertFalse(body.path("message").asText().isBlank(), "a message: " + answer);
        assertFalse(body.path("hint").asText().isBlank(), "a hint: " + answer);
        assertSafeHeaders(answer);
        return body;
    }

    /** The headers every answer of the broker carries, refusal or not. */
    public static void assertSafeHeaders(Answer answer) {
        assertEquals("no-store", answer.header("Cache-Control"), answer.toString());
        assertEquals("nosniff", answer.header("X-Content-Type-Options"), answer.toString());
        // Answers that carry data are never embeddable by a foreign site; refusals may go without the header
        // (so a page on another port can tell a refusal from a dead broker) since they hold nothing secret.
        String corp = answer.header("Cross-Origin-Resource-Policy");
        if (answer.status() < 400 || corp != null) {
            assertTrue("same-origin".equals(corp) || "same-site".equals(corp), "a foreign site cannot embed it: " + answer);
        }
        assertTrue(String.valueOf(answer.header("Vary")).contains("Origin"), answer.toString());
        String type = String.valueOf(answer.header("Content-Type"));
        if (answer.status() != 204) {
            assertTrue(type.startsWith("application/json") || type.startsWith("audio/"), "content type: " + answer);
        }
        assertFalse("*".equals(answer.header("Access-Control-Allow-Origin")), "never a wildcard origin");
        assertNull(answer.header("Access-Control-Allow-Credentials"), "never credentials");
    }

    /** No CORS grant of any kind: a foreign page learns nothing from this answer. */
    public static void assertNoCors(Answer answer) {
        for (String name : new String[] {"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
                "Access-Control-Allow-Private-Network", "Access-Control-Allow-Credentials"}) {
            assertNull(answer.header(name), name + " on " + answer);
        }
    }
}
