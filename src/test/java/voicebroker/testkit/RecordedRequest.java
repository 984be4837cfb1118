package voicebroker.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * One request as {@link FakeOpenAi} received it, so a test can assert on what the broker really sent upstream.
 *
 * @param sequence     1 for the first request the fake saw, then 2, 3, ...
 * @param connectionId which accepted TCP connection carried it (1, 2, ...); equal ids mean a reused connection
 * @param receivedAt   when the request was fully read
 * @param method       request method as sent
 * @param target       request target as sent (may carry a query, or be absolute-form)
 * @param path         the target's path, without query
 * @param headers      every header field as sent
 * @param body         the decoded body (chunked framing removed)
 * @param violations   how this request breaks the contract (wrong media type, schema errors); empty when fine
 */
public record RecordedRequest(
        long sequence,
        long connectionId,
        Instant receivedAt,
        String method,
        String target,
        String path,
        HeaderList headers,
        byte[] body,
        List<String> violations) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public RecordedRequest {
        violations = List.copyOf(violations);
    }

    /** The first value of a header, or null. */
    public String header(String name) {
        return headers.first(name);
    }

    /** The body as UTF-8 text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The body parsed as JSON; throws when it is not JSON. */
    public JsonNode json() {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("body of " + this + " is not JSON", e);
        }
    }

    /** The token after "Bearer " in Authorization, or null. */
    public String bearerToken() {
        String authorization = header("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).trim();
    }

    @Override
    public String toString() {
        return "#" + sequence + " " + method + " " + target + " (connection " + connectionId + ", "
                + body.length + " body bytes)";
    }
}
