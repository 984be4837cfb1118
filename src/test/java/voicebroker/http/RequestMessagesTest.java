package voicebroker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import voicebroker.error.Refusal;

/** Body refusals name what the caller actually sent. */
class RequestMessagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Refusal refusedBody(String body) {
        return assertThrows(Refusal.Exception.class, () -> RequestBodies.parseObject(body.getBytes(StandardCharsets.UTF_8))).refusal();
    }

    @Test
    void aDuplicateFieldIsNamedAsADuplicateNotCalledInvalidJson() {
        Refusal refusal = refusedBody("{\"voice\":\"marin\",\"voice\":\"cedar\"}");
        assertEquals("bad_json", refusal.code().code());
        assertEquals("voice", refusal.fields().get("field"));
        assertTrue(refusal.message().contains("'voice' appears twice"), refusal.message());
        assertTrue(refusal.hint().contains("once"), refusal.hint());
    }

    @Test
    void brokenJsonIsStillCalledInvalidJson() {
        Refusal refusal = refusedBody("{\"voice\":");
        assertEquals("bad_json", refusal.code().code());
        assertEquals("The request body is not valid JSON.", refusal.message());
    }

    @ParameterizedTest(name = "a key sent as ''{0}'' is named ''{0}'' in the message, the hint and the field")
    @ValueSource(strings = {"apiKey", "api_key", "openai_api_key", "key", "Authorization"})
    void keyFromBrowserNamesTheFieldThatWasSent(String field) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree("{\"" + field + "\":\"sk-test-from-the-page-000000\"}");
        Refusal refusal = assertThrows(Refusal.Exception.class, () -> Fields.allowOnly(body, Set.of("voice", "mode"))).refusal();
        assertEquals("key_from_browser", refusal.code().code());
        assertEquals(field, refusal.fields().get("field"));
        assertTrue(refusal.hint().startsWith("Remove '" + field + "'"), refusal.hint());
        assertTrue(refusal.message().contains("'" + field + "'"), refusal.message());
    }
}
