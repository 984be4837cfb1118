package voicebroker.mint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import voicebroker.config.BrokerConfig;
import voicebroker.config.Secret;
import voicebroker.config.SessionTemplates;
import voicebroker.json.JsonTree;

/** A body joined around the voice is byte for byte the body encoded from its tree, whatever the mode, model and voice. */
class SessionBodiesTest {
    private static final List<String> VOICES = Arrays.asList(null, "marin", "cedar", "voice_custom-1", "é\"\\\u0001", "\u0000voice\u0000");

    @Test
    void everyJoinedBodyIsTheEncodedTree(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("templates.json");
        Files.writeString(file, "{\"plain\":{\"instructions\":\"Say \\\"hi\\\".\"},"
                + "\"voiced\":{\"audio\":{\"output\":{\"voice\":\"cedar\",\"speed\":1.1},\"input\":{\"turn_detection\":{\"type\":\"server_vad\"}}}},"
                + "\"tricky\":{\"instructions\":\"\\u0000voice\\u0000\"}}");
        for (SessionTemplates templates : List.of(SessionTemplates.builtIn(), SessionTemplates.load(file, "gpt-realtime"))) {
            BrokerConfig config = BrokerConfig.builder().apiKey(Secret.of("sk-test-bodies-0123456789abcdef")).templates(templates)
                    .secretTtlSeconds(90).runtimeDir(dir).build();
            SessionBodies bodies = new SessionBodies(config);
            for (String mode : templates.modes()) {
                for (String model : List.of("gpt-realtime", "gpt-realtime-2")) {
                    for (int round = 0; round < 2; round++) { // the first encodes, the second joins what was kept
                        for (String voice : VOICES) {
                            byte[] expected = JsonTree.bytes(bodies.tree(mode, model, voice));
                            byte[] joined = bodies.body(new MintRequest(mode, voice), model);
                            assertArrayEquals(expected, joined, () -> mode + "/" + model + "/" + voice + ": "
                                    + new String(joined, StandardCharsets.UTF_8));
                        }
                    }
                }
            }
        }
    }

    @Test
    void theTreeIsTheGaShapeWithTheTemplatesVoiceUnlessThePageChoseOne(@TempDir Path dir) {
        BrokerConfig config = BrokerConfig.builder().apiKey(Secret.of("sk-test-bodies-0123456789abcdef")).secretTtlSeconds(90)
                .runtimeDir(dir).build();
        SessionBodies bodies = new SessionBodies(config);
        assertEquals("{\"expires_after\":{\"anchor\":\"created_at\",\"seconds\":90},\"session\":{\"type\":\"realtime\",\"model\":\"m\","
                + "\"audio\":{\"input\":{\"turn_detection\":{\"type\":\"server_vad\"}},\"output\":{\"voice\":\"marin\"}}}}",
                new String(bodies.body(new MintRequest("direct", null), "m"), StandardCharsets.UTF_8));
        assertEquals("cedar", bodies.tree("direct", "m", "cedar").path("session").path("audio").path("output").path("voice").asText());
    }
}
