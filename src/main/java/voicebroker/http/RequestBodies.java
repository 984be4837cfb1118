package voicebroker.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.guard.RequestFacts;

/**
 * Reads a request body safely: the declared size is checked before a byte is read, the read itself stops at
 * the limit, ambiguous framing (Content-Length with Transfer-Encoding) is refused, and the JSON parser is
 * bounded in depth and rejects duplicate fields.
 */
final class RequestBodies {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32)
                .maxStringLength(16 * 1024).maxNumberLength(32).build());
    }

    private RequestBodies() {
    }

    /** The body as a JSON object; an empty body is {@code {}}. */
    static ObjectNode readJsonObject(InputStream body, RequestFacts request, int maxBytes) throws IOException {
        byte[] bytes = readBounded(body, request, maxBytes);
        if (bytes.length == 0) {
            return JSON.createObjectNode();
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(bytes);
        } catch (IOException e) {
            throw Refusal.of(ErrorCode.BAD_JSON, "The request body is not valid JSON.").asException();
        }
        if (parsed == null || !parsed.isObject()) {
            throw Refusal.of(ErrorCode.BAD_JSON).asException();
        }
        return (ObjectNode) parsed;
    }

    private static byte[] readBounded(InputStream in, RequestFacts request, int maxBytes) throws IOException {
        List<String> lengths = request.all("content-length");
        List<String> encodings = request.all("transfer-encoding");
        if (!encodings.isEmpty() && !lengths.isEmpty()) {
            throw Refusal.invalidField("Transfer-Encoding", "The request has both Content-Length and Transfer-Encoding.",
                    "Send one of them.").asException();
        }
        if (!encodings.isEmpty() && !(encodings.size() == 1 && encodings.get(0).strip().toLowerCase(Locale.ROOT).equals("chunked"))) {
            throw Refusal.invalidField("Transfer-Encoding", "Only 'Transfer-Encoding: chunked' is accepted.", "Send chunked or a Content-Length.").asException();
        }
        if (lengths.size() > 1) {
            throw Refusal.invalidField("Content-Length", "The request has more than one Content-Length.", "Send one.").asException();
        }
        if (lengths.size() == 1 && declaredLength(lengths.get(0)) > maxBytes) {
            throw tooLarge(maxBytes);
        }
        byte[] bytes;
        try {
            bytes = in.readNBytes(maxBytes + 1);
        } catch (IOException e) {
            // Broken chunked framing or a body that ends before its declared length: answer it, don't just hang up.
            String field = encodings.isEmpty() ? "Content-Length" : "Transfer-Encoding";
            throw Refusal.invalidField(field, "The request body could not be read as its " + field + " header declares.",
                    "Send the body exactly as the framing headers say.").asException();
        }
        if (bytes.length > maxBytes) {
            throw tooLarge(maxBytes);
        }
        return bytes;
    }

    private static long declaredLength(String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw Refusal.invalidField("Content-Length", "The Content-Length is not a number.", "Send a valid Content-Length.").asException();
        }
    }

    private static Refusal.Exception tooLarge(int maxBytes) {
        return Refusal.of(ErrorCode.BODY_TOO_LARGE, "The request body is larger than " + maxBytes + " bytes.").asException();
    }
}
