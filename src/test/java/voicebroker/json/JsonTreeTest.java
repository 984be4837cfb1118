package voicebroker.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
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
        assertEquals(MAPPER.writeValueAsString(expected), JsonTree.text(tree));
        assertArrayEquals(MAPPER.writeValueAsBytes(expected), JsonTree.bytes(tree));
        assertEquals(expected, JsonTree.parse(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void writesEveryKindOfNumberNodeAsAnObjectMapperDoes() throws IOException {
        ObjectNode numbers = JsonTree.objectNode().put("int", 7).put("long", 1L << 40).put("float", 0.5f).put("double", 1e300)
                .put("nan", Double.NaN).put("big", new java.math.BigInteger("123456789012345678901234567890"))
                .put("decimal", new java.math.BigDecimal("0.10"));
        assertArrayEquals(MAPPER.writeValueAsBytes(numbers), JsonTree.bytes(numbers));
    }

    @Test
    void writesPlainValuesAsAnObjectMapperDoes() throws IOException {
        Map<String, Object> plain = new LinkedHashMap<>();
        plain.put("service", "voice-broker");
        plain.put("pid", 4242L);
        plain.put("port", 8099);
        plain.put("keyed", true);
        plain.put("token_header", null);
        plain.put("allowed_origins", List.of("http://localhost:5173", "http://[::1]:5173"));
        plain.put("nested", Map.of("configured", JsonTree.objectNode().put("voice", "marin")));
        plain.put("text", "\u00e9 \" \n");
        assertArrayEquals(MAPPER.writeValueAsBytes(plain), JsonTree.bytes(plain));
        assertArrayEquals(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(plain), JsonTree.pretty(plain));
    }

    @Test
    void refusesWhatIsNotAPlainValueInsteadOfGuessingAShape() {
        assertThrows(IllegalArgumentException.class, () -> JsonTree.bytes(Map.of("when", java.time.Instant.EPOCH)));
    }

    @Test
    void deepButBoundedNestingParsesOnASmallStack() throws Exception {
        // the default parser allows 1000 levels; the broker's threads run with -Xss512k, so this runs on such a thread
        String deep = "[".repeat(1000) + "]".repeat(1000);
        JsonNode[] parsed = new JsonNode[1];
        Thread small = new Thread(null, () -> {
            try {
                parsed[0] = JsonTree.parse(deep.getBytes(StandardCharsets.UTF_8));
                JsonTree.bytes(parsed[0]);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "small-stack", 512 * 1024);
        small.start();
        small.join();
        assertEquals(MAPPER.readTree(deep), parsed[0]);
        assertThrows(IOException.class, () -> JsonTree.parse("[".repeat(1001) + "]".repeat(1001)));
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

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1} {\"b\":2}", "{\"a\":", "{'a':1}", "[1,2", "{\"skipped\":[1,}", "{\"skipped\":\"\\q\"}", "[1] 2"})
    void aStreamedReadChecksTheWholeDocumentEvenWhatItSkips(String json) {
        assertThrows(IOException.class, () -> JsonTree.readObject(json.getBytes(StandardCharsets.UTF_8), JsonTreeTest::skipAll));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "[1,{\"a\":2}]", "\"text\"", "42", "null"})
    void aStreamedReadOfValidJsonThatIsNoObjectIsEmpty(String json) throws IOException {
        assertTrue(JsonTree.readObject(json.getBytes(StandardCharsets.UTF_8), JsonTreeTest::skipAll).isEmpty());
    }

    @Test
    void aStreamedReadAnswersWhatTheReaderTookAndTheTreeReaderTakesAll() throws IOException {
        byte[] json = "{\"a\":{\"b\":[1,2]},\"c\":\"d\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals("done", JsonTree.readObject(json, JsonTreeTest::skipAll).orElseThrow());
        assertEquals(MAPPER.readTree(json), JsonTree.readObject(json, JsonTree.OBJECT).orElseThrow());
    }

    private static String skipAll(com.fasterxml.jackson.core.JsonParser parser) throws IOException {
        parser.skipChildren();
        return "done";
    }

    @Test
    void writesAFlatObjectOfStringsInTheMapsOrder() throws IOException {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("voice", "marin \"quoted\"");
        fields.put("mode", "direct");
        String json = JsonTree.text(fields);
        assertEquals("{\"voice\":\"marin \\\"quoted\\\"\",\"mode\":\"direct\"}", json);
        assertEquals(MAPPER.valueToTree(fields), MAPPER.readTree(json));
    }
}
