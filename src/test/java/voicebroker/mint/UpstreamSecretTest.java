package voicebroker.mint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import voicebroker.config.UpstreamBase;
import voicebroker.json.JsonTree;

/**
 * The upstream's mint answer is streamed, not parsed into a tree: what the page is told must still be what a tree
 * of the same answer says, for every shape a hostile or careless upstream can send (a member given twice counts
 * as given last; a member of the wrong type counts as absent).
 */
class UpstreamSecretTest {
    private static final UpstreamSecret.Session NONE = UpstreamSecret.Session.NONE;

    static Stream<Arguments> answers() {
        return Stream.of(
                row("the GA answer gives the secret, its expiry and the session at the top",
                        "{\"value\":\"ek_abcdefgh\",\"expires_at\":1900000000,\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\","
                                + "\"instructions\":\"Be brief.\",\"tools\":[{\"type\":\"function\",\"name\":\"x\"}],"
                                + "\"audio\":{\"input\":{\"format\":{\"type\":\"audio/pcm\",\"rate\":24000},\"transcription\":{\"model\":\"gpt-4o-mini-transcribe\"},"
                                + "\"turn_detection\":{\"type\":\"server_vad\",\"threshold\":0.5}},\"output\":{\"voice\":\"marin\",\"speed\":1.0}}}}",
                        new UpstreamSecret("ek_abcdefgh", 1900000000, new UpstreamSecret.Session("gpt-realtime", true, "server_vad",
                                "gpt-4o-mini-transcribe", "marin"))),
                row("the older answer nests the secret and its expiry in client_secret",
                        "{\"client_secret\":{\"value\":\"ek_nested1\",\"expires_at\":1900000001}}",
                        new UpstreamSecret("ek_nested1", 1900000001, NONE)),
                row("a top-level secret or expiry wins over the nested one",
                        "{\"client_secret\":{\"value\":\"ek_nested1\",\"expires_at\":5},\"value\":\"ek_toplevel\",\"expires_at\":7}",
                        new UpstreamSecret("ek_toplevel", 7, NONE)),
                row("a null top-level secret leaves the nested one, a null expiry does not",
                        "{\"value\":null,\"expires_at\":null,\"client_secret\":{\"value\":\"ek_nested1\",\"expires_at\":5}}",
                        new UpstreamSecret("ek_nested1", 0, NONE)),
                row("a secret that is no string is no secret",
                        "{\"value\":{\"value\":\"ek_inside\"},\"client_secret\":{\"value\":12345678},\"expires_at\":\"1900000000\"}",
                        new UpstreamSecret("", 0, NONE)),
                row("an expiry past a long, or a fraction, reads as a tree reads it",
                        "{\"value\":\"ek_abcdefgh\",\"expires_at\":123456789012345678901234567890,\"client_secret\":{\"expires_at\":1.5}}",
                        new UpstreamSecret("ek_abcdefgh", 0, NONE)),
                row("a fractional expiry is cut to whole seconds",
                        "{\"value\":\"ek_abcdefgh\",\"expires_at\":1900000000.75}",
                        new UpstreamSecret("ek_abcdefgh", 1900000000, NONE)),
                row("a member given twice counts as given last, whole objects included",
                        "{\"value\":\"ek_first123\",\"value\":\"ek_second12\",\"expires_at\":1,\"expires_at\":2,"
                                + "\"session\":{\"model\":\"first\",\"audio\":{\"output\":{\"voice\":\"cedar\"}}},\"session\":{\"instructions\":\"x\"},"
                                + "\"client_secret\":{\"value\":\"ek_nested1\"},\"client_secret\":7}",
                        new UpstreamSecret("ek_second12", 2, new UpstreamSecret.Session(null, true, null, null, null))),
                row("inside the session too, and a wrong type blanks what came before",
                        "{\"session\":{\"model\":\"gpt-realtime\",\"model\":42,\"instructions\":\"x\",\"instructions\":[\"y\"],"
                                + "\"audio\":{\"input\":{\"turn_detection\":{\"type\":\"semantic_vad\"},\"turn_detection\":null},"
                                + "\"output\":{\"voice\":\"marin\",\"voice\":{\"id\":\"voice_custom\"}}}}}",
                        new UpstreamSecret("", 0, new UpstreamSecret.Session(null, false, null, null, "voice_custom"))),
                row("blank instructions are no instructions",
                        "{\"session\":{\"instructions\":\" \\t\\n\",\"audio\":{\"output\":{\"voice\":{\"id\":7}}}}}",
                        new UpstreamSecret("", 0, NONE)),
                row("a session, audio or input of the wrong kind is skipped whole",
                        "{\"session\":{\"audio\":[{\"input\":{\"turn_detection\":{\"type\":\"server_vad\"}}}]},\"value\":\"ek_abcdefgh\"}",
                        new UpstreamSecret("ek_abcdefgh", 0, NONE)),
                row("members the page is not told about are skipped, however deep",
                        "{\"object\":\"realtime.client_secret\",\"deep\":[[[{\"value\":\"ek_notthis\"}]]],\"value\":\"ek_abcdefgh\","
                                + "\"session\":{\"object\":{\"model\":\"not-this\"},\"model\":\"gpt-realtime\"},\"expires_at\":3}",
                        new UpstreamSecret("ek_abcdefgh", 3, new UpstreamSecret.Session("gpt-realtime", false, null, null, null))));
    }

    private static Arguments row(String sentence, String json, UpstreamSecret expected) {
        return Arguments.of(sentence, json, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answers")
    void readsWhatATreeOfTheAnswerSays(String sentence, String json, UpstreamSecret expected) throws IOException {
        assertEquals(expected, JsonTree.readObject(json.getBytes(StandardCharsets.UTF_8), UpstreamSecret::read).orElseThrow());
    }

    @Test
    void thePagesAnswerIsWrittenFieldByFieldInTheOrderDashboardsKnow() {
        UpstreamSecret upstream = new UpstreamSecret("ek_abcdefgh", 1900000000,
                new UpstreamSecret.Session(null, true, "server_vad", null, "marin"));
        MintAnswer answer = MintAnswer.from(upstream, "gpt-realtime", new MintRequest("companion", null),
                UpstreamBase.parse("http://127.0.0.1:9/v1", java.util.Set.of()));
        assertEquals("{\"value\":\"ek_abcdefgh\",\"model\":\"gpt-realtime\",\"base\":\"http://127.0.0.1:9\",\"expires_at\":1900000000,"
                + "\"configured\":{\"instructions\":true,\"mode\":\"companion\",\"vad\":\"server_vad\",\"transcription\":null,\"voice\":\"marin\"},"
                + "\"calls_url\":\"http://127.0.0.1:9/v1/realtime/calls\",\"ws_url\":\"ws://127.0.0.1:9/v1/realtime?model=gpt-realtime\"}",
                JsonTree.text(answer));
    }
}
