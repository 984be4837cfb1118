package voicebroker.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import voicebroker.json.JsonTree;

/**
 * The one JSON parser for request bodies, broker and {@code /__start_voice} alike: a field given twice is an
 * error (two readers could each take a different one), so is anything after the document, and depth, string and
 * number sizes are bounded so a small body cannot make parsing expensive. The parser enforces all of it; a body
 * is read into a tree, no data binding.
 */
public final class StrictJson {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32)
                    .maxStringLength(16 * 1024).maxNumberLength(32).build())
            .build();

    private StrictJson() {
    }

    /** The document in {@code bytes}; a missing node for no content. Malformed, ambiguous or trailing JSON is an {@link IOException}. */
    public static JsonNode read(byte[] bytes) throws IOException {
        return JsonTree.parse(FACTORY, bytes);
    }

    public static ObjectNode emptyObject() {
        return JsonTree.objectNode();
    }
}
