package voicebroker.pipeline;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The one JSON parser for request bodies, broker and {@code /__start_voice} alike: a field given twice is an
 * error (two readers could each take a different one), so is anything after the document, and depth, string and
 * number sizes are bounded so a small body cannot make parsing expensive.
 */
public final class StrictJson {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32)
                .maxStringLength(16 * 1024).maxNumberLength(32).build());
    }

    private StrictJson() {
    }

    /** The document in {@code bytes}; {@code null} for no content. Malformed or ambiguous JSON is an {@link IOException}. */
    public static JsonNode read(byte[] bytes) throws IOException {
        return JSON.readTree(bytes);
    }

    public static ObjectNode emptyObject() {
        return JSON.createObjectNode();
    }
}
