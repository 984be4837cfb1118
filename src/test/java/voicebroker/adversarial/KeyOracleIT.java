package voicebroker.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import voicebroker.testkit.RawHttp;
import voicebroker.testkit.RecordedRequest;

/**
 * A holder of the token (the page, a script injected into it) tries to read the key, and the token, one character
 * at a time: it knows a prefix, and for each candidate next character it sends the last seven known characters
 * plus the candidate in every field a request can carry. If any answer (status, code, message, hint, headers) or
 * side effect (the upstream calls the fake records) differed for the true character, that field would be an
 * oracle. The attempt is bounded: one position, the true character and up to five look-alikes of its class (a
 * lower-case letter for a lower-case one), per secret and field.
 */
class KeyOracleIT {
    private static final int KNOWN = 15;
    private static final int PIECE = 8;
    private static Arena arena;

    /** Where a guess can go: a route and a body built around the guessed value. */
    private record Field(String where, String path, Function<String, String> body) {
    }

    private static final List<Field> FIELDS = List.of(
            new Field("voice of a mint", "/api/session", v -> "{\"voice\":\"" + v + "\"}"),
            new Field("mode of a mint", "/api/session", v -> "{\"mode\":\"" + v + "\"}"),
            new Field("voice of a sample", "/api/sample", v -> "{\"voice\":\"" + v + "\"}"),
            new Field("input of speech", "/api/tts", v -> "{\"input\":\"" + v + "\"}"),
            new Field("instructions of speech", "/api/tts", v -> "{\"input\":\"hello\",\"instructions\":\"" + v + "\"}"),
            new Field("name of an unknown field", "/api/session", v -> "{\"" + v + "\":1}"));

    @BeforeAll
    static void start() {
        arena = Arena.start();
        arena.assertMints("before the attempt, so the upstream connection is warm for every guess alike");
    }

    @AfterAll
    static void stop() {
        arena.close();
    }

    @Test
    void noFieldTellsAPieceOfTheKeyFromALookAlike() {
        tryToExtract(Arena.KEY);
    }

    @Test
    void noFieldTellsAPieceOfTheTokenFromALookAlike() {
        tryToExtract(arena.token);
    }

    private static void tryToExtract(String secret) {
        String known = secret.substring(0, KNOWN);
        char truth = secret.charAt(KNOWN);
        String window = known.substring(KNOWN - (PIECE - 1));
        for (Field field : FIELDS) {
            Observation real = observe(field, window + truth);
            for (char lookAlike : lookAlikes(truth)) {
                Observation other = observe(field, window + lookAlike);
                assertEquals(real, other, field.where() + ": the true piece '" + window + truth + "' and the look-alike '"
                        + window + lookAlike + "' must be answered alike");
            }
        }
    }

    /** Characters of the same class as the true one, so every field's shape check treats them alike. */
    private static List<Character> lookAlikes(char truth) {
        String sameClass = Character.isDigit(truth) ? "0123456789" : Character.isLowerCase(truth) ? "abcdefghijklmnopqrstuvwxyz"
                : Character.isUpperCase(truth) ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ" : "-_";
        List<Character> out = new ArrayList<>();
        for (char c : sameClass.toCharArray()) {
            if (c != truth && out.size() < 5) {
                out.add(c);
            }
        }
        assertNotEquals(0, out.size());
        return out;
    }

    /** Everything a caller can see of one attempt, with the guessed value itself replaced by a placeholder. */
    private record Observation(int status, String code, String message, String hint, String field, Map<String, String> headers,
                               String bodyShape, List<String> upstreamCalls) {
    }

    private static Observation observe(Field field, String guess) {
        int before = arena.fake.requests().size();
        RawHttp.Response response = arena.send(arena.legit("POST", field.path(), field.body().apply(guess)));
        List<RecordedRequest> calls = arena.fake.requests();
        List<String> upstream = calls.subList(before, calls.size()).stream()
                .map(call -> call.method() + " " + call.path() + " " + call.bodyText().replace(guess, "<guess>")).toList();
        Map<String, String> headers = new TreeMap<>();
        response.headers().fields().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
        headers.remove("date");
        boolean json = String.valueOf(response.header("Content-Type")).startsWith("application/json");
        if (json && response.status() == 200) {
            headers.remove("content-length");
        }
        JsonNode body = json ? response.json() : null;
        String shape = body == null ? response.bodyBytes().length + " bytes of " + response.header("Content-Type")
                : response.status() == 200 ? fieldNames(body) + " voice=" + body.path("configured").path("voice").asText().replace(guess, "<guess>")
                : "";
        return new Observation(response.status(), text(body, "error", guess), text(body, "message", guess), text(body, "hint", guess),
                text(body, "field", guess), headers, shape, upstream);
    }

    private static String text(JsonNode body, String name, String guess) {
        return body == null ? null : body.path(name).asText().replace(guess, "<guess>");
    }

    private static String fieldNames(JsonNode body) {
        List<String> names = new ArrayList<>();
        body.fieldNames().forEachRemaining(names::add);
        return names.toString();
    }
}
