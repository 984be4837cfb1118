package voicebroker.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The streaming tree reader and writer give what an object mapper gives, for every kind of value. */
class JsonTreeTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"service\":\"voice-broker\",\"pid\":4242,\"keyed\":true,\"token_header\":null}",
            "{\"allowed_origins\":[\"http://localhost:5173\",\"http://[::1]:5173\"],\"beyond_loopback\":[]}",
            "{\"expires_at\":1764640000,\"big\":12345678901234,\"huger\":123456789012345678901234567890,\"ratio\":0.25}",
            "{\"configured\":{\"mode\":\"companion\",\"voice\":\"marin\"},\"nested\":[[1,2],{\"a\":false}]}",
            "{\"text\":\"quote \\\" backslash \\\\ line\\nbreak \\u00e9 \\u2028\"}",
            "[1,\"two\",null,true]",
            "\"just a string\"",
    })
    void readsAndWritesTheSameTreeAsAnObjectMapper(String json) throws IOException {
        JsonNode expected = MAPPER.readTree(json);
        JsonNode tree = JsonTree.parse(json);
        assertEquals(expected, tree);
        assertEquals(MAPPER.writeValueAsString(expected), JsonTree.write(tree));
    }

    @Test
    void anEmptyDocumentIsAMissingNodeAsWithAnObjectMapper() throws IOException {
        assertEquals(MAPPER.readTree(""), JsonTree.parse(""));
        assertTrue(JsonTree.parse("  ").isMissingNode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1} {\"b\":2}", "{\"a\":", "{'a':1}", "[1,2"})
    void malformedOrTrailingContentIsAnError(String json) {
        assertThrows(IOException.class, () -> JsonTree.parse(json));
    }

    @Test
    void writesAFlatObjectOfStringsInTheMapsOrder() throws IOException {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("voice", "marin \"quoted\"");
        fields.put("mode", "direct");
        String json = JsonTree.object(fields);
        assertEquals("{\"voice\":\"marin \\\"quoted\\\"\",\"mode\":\"direct\"}", json);
        assertEquals(MAPPER.valueToTree(fields), MAPPER.readTree(json));
    }
}
