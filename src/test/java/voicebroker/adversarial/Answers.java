package voicebroker.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import voicebroker.error.ErrorCode;
import voicebroker.testkit.RawHttp;

/** Assertions about what the broker answered, shared by the attack classes. */
final class Answers {
    /** Every code the broker may answer with, from the enum itself, so a typo in a test cannot pass. */
    static final Set<String> CODES = Arrays.stream(ErrorCode.values()).map(ErrorCode::code).collect(Collectors.toUnmodifiableSet());

    private Answers() {
    }

    /**
     * The answer is our JSON refusal {@code code} with {@code status}: a message and a hint, and the headers every
     * answer carries (no-store, nosniff, JSON content type, Vary: Origin).
     */
    static JsonNode assertRefusal(RawHttp.Response response, int status, String code) {
        assertTrue(CODES.contains(code), "unknown code " + code);
        assertFalse(response.receivedNothing(), "expected " + status + " " + code + ", but the broker closed without an answer");
        JsonNode body = Arena.json(response.body());
        assertEquals(code, body.path("error").asText(), response.toString());
        assertEquals(status, response.status(), response.toString());
        assertFalse(body.path("message").asText().isBlank(), "a message: " + response);
        assertFalse(body.path("hint").asText().isBlank(), "a hint: " + response);
        assertSafeHeaders(response);
        return body;
    }

    /** The headers every answer of the broker carries, refusal or not. */
    static void assertSafeHeaders(RawHttp.Response response) {
        assertEquals("no-store", response.header("Cache-Control"), response.toString());
        assertEquals("nosniff", response.header("X-Content-Type-Options"), response.toString());
        // Answers that carry data are never embeddable by a foreign site; refusals may go without the header
        // (so a page on another port can tell a refusal from a dead broker) since they hold nothing secret.
        String corp = response.header("Cross-Origin-Resource-Policy");
        if (response.status() < 400 || corp != null) {
            assertTrue("same-origin".equals(corp) || "same-site".equals(corp), "a foreign site cannot embed it: " + response);
        }
        assertTrue(String.valueOf(response.header("Vary")).contains("Origin"), response.toString());
        String type = String.valueOf(response.header("Content-Type"));
        if (response.status() != 204) {
            assertTrue(type.startsWith("application/json") || type.startsWith("audio/"), "content type: " + response);
        }
        assertFalse("*".equals(response.header("Access-Control-Allow-Origin")), "never a wildcard origin");
        assertNull(response.header("Access-Control-Allow-Credentials"), "never credentials");
    }

    /** No CORS grant of any kind: a foreign page learns nothing from this answer. */
    static void assertNoCors(RawHttp.Response response) {
        for (String name : new String[] {"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
                "Access-Control-Allow-Private-Network", "Access-Control-Allow-Credentials"}) {
            assertNull(response.header(name), name + " on " + response);
        }
    }

    /** The error code of a JSON answer, or null when the answer is not one of ours. */
    static String codeOf(RawHttp.Response response) {
        try {
            JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.bodyBytes());
            return body != null && body.path("error").isTextual() ? body.get("error").asText() : null;
        } catch (java.io.IOException notJson) {
            return null;
        }
    }
}
