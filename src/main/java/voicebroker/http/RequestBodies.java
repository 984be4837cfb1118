package voicebroker.http;

import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.guard.RequestFacts;
import voicebroker.log.Redactor;
import voicebroker.pipeline.StrictJson;

/**
 * Reads a request body safely: the declared size is checked before a byte is read, the read itself stops at
 * the limit, ambiguous framing (Content-Length with Transfer-Encoding) is refused, and the JSON is read by
 * {@link StrictJson} (bounded, duplicate fields refused).
 */
final class RequestBodies {
    /** Jackson has no exception type of its own for a repeated name; its message is the only place that says so. */
    private static final Pattern DUPLICATE_FIELD = Pattern.compile("Duplicate field '(.*)'", Pattern.DOTALL);

    private RequestBodies() {
    }

    /** The body as a JSON object; an empty body is {@code {}}. */
    static ObjectNode readJsonObject(InputStream body, RequestFacts request, int maxBytes) throws IOException {
        return parseObject(readBounded(body, request, maxBytes));
    }

    /** Bytes already read as a JSON object; an empty body is {@code {}}. */
    static ObjectNode parseObject(byte[] bytes) {
        if (bytes.length == 0) {
            return StrictJson.emptyObject();
        }
        JsonNode parsed;
        try {
            parsed = StrictJson.read(bytes);
        } catch (IOException e) {
            throw notJson(e).asException();
        }
        if (parsed == null || !parsed.isObject()) {
            throw Refusal.of(ErrorCode.BAD_JSON).asException();
        }
        return (ObjectNode) parsed;
    }

    /** Valid JSON with a field given twice is not "invalid JSON": say which field, so the fix is obvious. */
    private static Refusal notJson(IOException e) {
        Matcher duplicate = e instanceof StreamReadException read ? DUPLICATE_FIELD.matcher(String.valueOf(read.getOriginalMessage())) : null;
        if (duplicate == null || !duplicate.matches()) {
            return Refusal.of(ErrorCode.BAD_JSON, "The request body is not valid JSON.");
        }
        String field = Redactor.printable(duplicate.group(1), 64);
        return Refusal.of(ErrorCode.BAD_JSON, "The field '" + field + "' appears twice in the body; the broker does not guess which one counts.",
                "Send each field once, e.g. {\"voice\":\"marin\"}.").withField("field", field);
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
        long declared = lengths.size() == 1 ? declaredLength(lengths.get(0)) : -1;
        if (declared > maxBytes) {
            throw tooLarge(maxBytes);
        }
        byte[] bytes;
        try {
            // A declared length is read exactly (the server never passes more), into a buffer of that size.
            bytes = in.readNBytes(declared >= 0 ? (int) declared : maxBytes + 1);
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
