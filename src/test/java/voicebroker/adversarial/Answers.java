package voicebroker.adversarial;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import voicebroker.testkit.Answer;
import voicebroker.testkit.RawHttp;
import voicebroker.testkit.Refusals;

/** Assertions about what the broker answered on a raw socket, shared by the attack classes; see {@link Refusals}. */
final class Answers {
    static final Set<String> CODES = Refusals.CODES;

    private Answers() {
    }

    /** An answer arrived, and it is the strict refusal {@code code} with {@code status} (see {@link Refusals#assertRefusal}). */
    static JsonNode assertRefusal(RawHttp.Response response, int status, String code) {
        assertFalse(response.receivedNothing(), "expected " + status + " " + code + ", but the broker closed without an answer");
        return Refusals.assertRefusal(Answer.of(response), status, code);
    }

    static void assertSafeHeaders(RawHttp.Response response) {
        Refusals.assertSafeHeaders(Answer.of(response));
    }

    static void assertNoCors(RawHttp.Response response) {
        Refusals.assertNoCors(Answer.of(response));
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
