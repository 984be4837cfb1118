package voicebroker.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.exc.StreamReadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each bound of the request-body parser, one row per way a body could be ambiguous or costly. */
class StrictJsonTest {
    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"voice\":\"marin\",\"voice\":\"cedar\"}",   // a field given twice: two readers could each take a different one
            "{\"voice\":\"marin\"} {\"voice\":\"cedar\"}", // a second document after the first
            "{\"voice\":\"marin\"} x",                     // anything after the document
            "{\"voice\":",                                 // cut short
            "{'voice':'marin'}",                           // not JSON
    })
    void ambiguousOrMalformedBodiesAreErrors(String body) {
        assertThrows(IOException.class, () -> StrictJson.read(utf8(body)));
    }

    @Test
    void aDuplicateFieldIsNamedSoTheRefusalCanSayWhichOne() {
        StreamReadException e = assertThrows(StreamReadException.class, () -> StrictJson.read(utf8("{\"mode\":1,\"mode\":2}")));
        assertEquals("Duplicate field 'mode'", e.getOriginalMessage());
    }

    @Test
    void depthStringAndNumberSizesAreBounded() throws IOException {
        assertTrue(StrictJson.read(utf8("[".repeat(32) + "]".repeat(32))).isArray());
        assertThrows(IOException.class, () -> StrictJson.read(utf8("[".repeat(33) + "]".repeat(33))));
        assertTrue(StrictJson.read(utf8("{\"input\":\"" + "a".repeat(16 * 1024) + "\"}")).isObject());
        assertThrows(IOException.class, () -> StrictJson.read(utf8("{\"input\":\"" + "a".repeat(16 * 1024 + 1) + "\"}")));
        assertThrows(IOException.class, () -> StrictJson.read(utf8("{\"speed\":" + "1".repeat(33) + "}")));
    }

    @Test
    void noContentIsAMissingNodeAndAnObjectIsATree() throws IOException {
        assertTrue(StrictJson.read(new byte[0]).isMissingNode());
        assertEquals("marin", StrictJson.read(utf8("{\"voice\":\"marin\"}")).path("voice").textValue());
        assertTrue(StrictJson.emptyObject().isEmpty());
    }
}
