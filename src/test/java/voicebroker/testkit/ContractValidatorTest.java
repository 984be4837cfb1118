package voicebroker.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ContractValidatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String GA_MINT_REQUEST = "{\"expires_after\":{\"anchor\":\"created_at\",\"seconds\":600},"
            + "\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\",\"instructions\":\"hi\","
            + "\"audio\":{\"output\":{\"voice\":\"marin\"}}}}";

    private static final String SPEECH_REQUEST =
            "{\"model\":\"gpt-4o-mini-tts\",\"input\":\"Hello there\",\"voice\":\"marin\",\"response_format\":\"mp3\"}";

    @Test
    void realisticGaClientSecretRequestIsValid() {
        assertEquals(List.of(), ContractValidator.validate("RealtimeCreateClientSecretRequest", GA_MINT_REQUEST));
        ContractValidator.assertValid("RealtimeCreateClientSecretRequest", GA_MINT_REQUEST);
    }

    @Test
    void fullSidecarStyleRequestWithToolsAndTurnDetectionIsValid() {
        String request = "{\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime-2\",\"instructions\":\"be brief\","
                + "\"tools\":[{\"type\":\"function\",\"name\":\"open_panel\",\"description\":\"Opens a panel\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}}}}],"
                + "\"tool_choice\":\"auto\",\"audio\":{\"input\":{\"transcription\":{\"model\":\"gpt-4o-mini-transcribe\"},"
                + "\"turn_detection\":{\"type\":\"semantic_vad\",\"eagerness\":\"auto\"}},\"output\":{\"voice\":\"cedar\"}}}}";
        assertEquals(List.of(), ContractValidator.validate("RealtimeCreateClientSecretRequest", request));
    }

    @Test
    void transcriptionSessionRequestIsValidToo() {
        String request = "{\"session\":{\"type\":\"transcription\",\"audio\":{\"input\":"
                + "{\"transcription\":{\"model\":\"gpt-4o-transcribe\",\"language\":\"en\"}}}}}";
        assertEquals(List.of(), ContractValidator.validate("RealtimeCreateClientSecretRequest", request));
    }

    @Test
    void expirySecondsBelowTenIsRejected() {
        ObjectNode request = parse(GA_MINT_REQUEST);
        ((ObjectNode) request.get("expires_after")).put("seconds", 5);
        List<String> violations = ContractValidator.validate("RealtimeCreateClientSecretRequest", request);
        assertTrue(violations.stream().anyMatch(v -> v.contains("expires_after.seconds")), violations::toString);
    }

    @Test
    void unknownSessionTypeIsRejected() {
        ObjectNode request = parse(GA_MINT_REQUEST);
        ((ObjectNode) request.get("session")).put("type", "bogus");
        List<String> violations = ContractValidator.validate("RealtimeCreateClientSecretRequest", request);
        assertTrue(violations.stream().anyMatch(v -> v.contains("session.type")), violations::toString);
    }

    @Test
    void sessionWithoutTypeIsRejected() {
        ObjectNode request = parse(GA_MINT_REQUEST);
        ((ObjectNode) request.get("session")).remove("type");
        assertFalse(ContractValidator.isValid("RealtimeCreateClientSecretRequest", request));
    }

    @Test
    void speechRequestIsValid() {
        assertEquals(List.of(), ContractValidator.validate("CreateSpeechRequest", SPEECH_REQUEST));
    }

    @Test
    void speechRequestWithoutInputIsRejected() {
        ObjectNode request = parse(SPEECH_REQUEST);
        request.remove("input");
        List<String> violations = ContractValidator.validate("CreateSpeechRequest", request);
        assertTrue(violations.stream().anyMatch(v -> v.contains("input")), violations::toString);
    }

    @Test
    void speechRequestWithExtraPropertyIsRejected() {
        ObjectNode request = parse(SPEECH_REQUEST);
        request.put("key", "sk-from-the-browser");
        List<String> violations = ContractValidator.validate("CreateSpeechRequest", request);
        assertTrue(violations.stream().anyMatch(v -> v.contains("key")), violations::toString);
    }

    @Test
    void speechInputOverFourThousandNinetySixCharactersIsRejected() {
        ObjectNode request = parse(SPEECH_REQUEST);
        request.put("input", "a".repeat(4096));
        assertTrue(ContractValidator.isValid("CreateSpeechRequest", request), "4096 is the limit, inclusive");
        request.put("input", "a".repeat(4097));
        assertFalse(ContractValidator.isValid("CreateSpeechRequest", request));
    }

    @Test
    void responseExampleShapedBodyValidatesDespiteDiscriminatorAndVendorKeywords() {
        // The response schema carries `discriminator` and `x-oaiMeta`; they must be annotations, not failures.
        String response = "{\"value\":\"ek_68af296e8e408191a1120ab6383263c2\",\"expires_at\":1756310470,"
                + "\"session\":{\"type\":\"realtime\",\"object\":\"realtime.session\",\"id\":\"sess_C9CiUVUzUzYIssh3ELY1d\","
                + "\"model\":\"gpt-realtime-2025-08-25\",\"output_modalities\":[\"audio\"],\"tools\":[],"
                + "\"tool_choice\":\"auto\",\"max_output_tokens\":\"inf\",\"tracing\":null,\"truncation\":\"auto\","
                + "\"prompt\":null,\"expires_at\":0,\"audio\":{\"output\":{\"voice\":\"alloy\",\"speed\":1.0}}}}";
        assertEquals(List.of(), ContractValidator.validate("RealtimeCreateClientSecretResponse", response));
    }

    @Test
    void callCreateRequestNeedsSdp() {
        assertTrue(ContractValidator.isValid("RealtimeCallCreateRequest", parse("{\"sdp\":\"v=0\\r\\n\"}")));
        assertFalse(ContractValidator.isValid("RealtimeCallCreateRequest", parse("{}")));
    }

    @Test
    void textThatIsNotJsonIsOneViolation() {
        List<String> violations = ContractValidator.validate("CreateSpeechRequest", "{not json");
        assertEquals(1, violations.size());
        assertTrue(violations.get(0).startsWith("body is not JSON"), violations::toString);
    }

    @Test
    void emptyTextAndTrailingGarbageAreViolations() {
        assertEquals(List.of("body is empty"), ContractValidator.validate("CreateSpeechRequest", ""));
        assertFalse(ContractValidator.validate("RealtimeCreateClientSecretRequest", GA_MINT_REQUEST + " junk").isEmpty());
    }

    @Test
    void assertValidListsTheViolations() {
        AssertionError error = assertThrows(AssertionError.class,
                () -> ContractValidator.assertValid("CreateSpeechRequest", "{\"model\":\"tts-1\"}"));
        assertTrue(error.getMessage().contains("input"), error.getMessage());
        assertTrue(error.getMessage().contains("voice"), error.getMessage());
    }

    @Test
    void unknownSchemaNameIsAProgrammingError() {
        assertThrows(IllegalArgumentException.class, () -> ContractValidator.validate("NoSuchSchema", "{}"));
        assertTrue(ContractValidator.schemaNames().contains("RealtimeCreateClientSecretRequest"));
    }

    @Test
    void validatesFromManyThreadsAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                boolean valid = i % 2 == 0;
                String body = valid ? GA_MINT_REQUEST : GA_MINT_REQUEST.replace("600", "5");
                results.add(pool.submit(() ->
                        ContractValidator.isValid("RealtimeCreateClientSecretRequest", parse(body)) == valid));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static ObjectNode parse(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            return (ObjectNode) node;
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }
}
