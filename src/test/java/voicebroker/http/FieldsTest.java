package voicebroker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;

/** Only the route's own fields, each of its shape: nothing from the page shapes the upstream call beyond that. */
class FieldsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode body(String json) throws IOException {
        return (ObjectNode) JSON.readTree(json);
    }

    private static Refusal refusal(Runnable check) {
        return assertThrows(Refusal.Exception.class, check::run).refusal();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a voice and a mode are what a mint takes          | {\"voice\":\"marin\",\"mode\":\"coach\"} | ",
            "an empty body takes the defaults                  | {}                                   | ",
            "a model is not the page's to choose               | {\"model\":\"gpt-4o\"}               | invalid_request",
            "neither is the upstream base                      | {\"base\":\"https://evil.example\"}  | invalid_request",
            "a key sent by the page gets its own code          | {\"apiKey\":\"sk-test-x\"}           | key_from_browser",
            "so does a client secret                           | {\"client_secret\":\"ek_x\"}         | key_from_browser",
            "a key is named even among allowed fields          | {\"voice\":\"marin\",\"key\":\"x\"}  | key_from_browser"})
    void onlyTheRoutesFieldsPass(String sentence, String json, String code) throws IOException {
        ObjectNode body = body(json);
        if (code == null) {
            Fields.allowOnly(body, Set.of("voice", "mode"));
        } else {
            Refusal refusal = refusal(() -> Fields.allowOnly(body, Set.of("voice", "mode")));
            assertEquals(code, refusal.code().code(), sentence);
            assertEquals(false, refusal.body().toString().contains("sk-test-x"), "the value is never echoed");
        }
    }

    @ParameterizedTest(name = "voice {0}")
    @CsvSource(delimiter = '|', value = {"\"marin\" | marin", "\"voice_1234-custom\" | voice_1234-custom", "null | ",
            "\"<script>\" | !", "\"../etc\" | !", "7 | !", "\"\" | !", "[\"marin\"] | !"})
    void aVoiceIsAVoiceIdAndNothingElse(String value, String expected) throws IOException {
        ObjectNode body = body("{\"voice\":" + value + "}");
        if ("!".equals(expected)) {
            assertEquals("voice", refusal(() -> Fields.optionalString(body, "voice", Fields.VOICE, "hint")).fields().get("field"));
        } else {
            assertEquals(Optional.ofNullable(expected), Fields.optionalString(body, "voice", Fields.VOICE, "hint"));
        }
    }

    @ParameterizedTest(name = "input {0}")
    @CsvSource(delimiter = '|', value = {"\"Hello\" | ok", "\"   \" | !", "12 | !", "null | required", "\"LONG\" | !"})
    void textIsNonEmptyAndBounded(String value, String expected) throws IOException {
        ObjectNode body = body("{\"input\":" + value.replace("LONG", "a".repeat(4097)) + "}");
        if (expected.equals("ok")) {
            assertEquals(Optional.of("Hello"), Fields.optionalText(body, "input", 4096, true));
        } else {
            Refusal refusal = refusal(() -> Fields.optionalText(body, "input", 4096, true));
            assertEquals(ErrorCode.INVALID_REQUEST, refusal.code());
            assertEquals("input", refusal.fields().get("field"));
        }
    }

    @ParameterizedTest(name = "speed {0}")
    @CsvSource(delimiter = '|', value = {"1.5 | ok", "0.25 | ok", "4 | ok", "0.2 | !", "9 | !", "\"fast\" | !"})
    void numbersStayInTheirRange(String value, String expected) throws IOException {
        ObjectNode body = body("{\"speed\":" + value + "}");
        if (expected.equals("ok")) {
            assertEquals(Double.parseDouble(value), Fields.optionalNumber(body, "speed", 0.25, 4.0).orElseThrow());
        } else {
            assertEquals("speed", refusal(() -> Fields.optionalNumber(body, "speed", 0.25, 4.0)).fields().get("field"));
        }
    }
}
