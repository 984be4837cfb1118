package voicebroker.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.function.Function;

/**
 * One answer of the broker as the assertions see it, whichever way it was obtained: the JDK client, a raw socket,
 * or the pipeline called in-process. {@code header} answers the first value of a header (any case) or null.
 */
public record Answer(int status, Function<String, String> header, String body, String description) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static Answer of(HttpResponse<String> response) {
        return new Answer(response.statusCode(), name -> response.headers().firstValue(name).orElse(null), response.body(),
                response.statusCode() + " " + response.headers().map() + "\n" + response.body());
    }

    public static Answer of(RawHttp.Response response) {
        return new Answer(response.status(), response::header, response.body(), response.toString());
    }

    public String header(String name) {
        return header.apply(name);
    }

    /** The body as JSON, or an assertion failure that shows the answer. */
    public JsonNode json() {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + description, e);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
