package voicebroker.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Builds the {@code session} object of a client-secret response the way the real API does: what the request
 * asked for, completed with the API's defaults. Only fields the response schema allows are filled in; the
 * real API's own example puts {@code null} in a few object-typed fields, which its schema forbids, so we leave
 * such fields out instead, and the response always validates.
 */
final class FakeSessions {

    static final String DEFAULT_INSTRUCTIONS = "You are a helpful, witty, and friendly AI.";

    private static final ObjectMapper JSON = new ObjectMapper();

    private FakeSessions() {
    }

    static ObjectNode echo(JsonNode requested, String model) {
        if (requested.path("type").asText().equals("transcription")) {
            return transcriptionSession(requested);
        }
        return realtimeSession(requested, model);
    }

    private static ObjectNode realtimeSession(JsonNode requested, String model) {
        ObjectNode session = JSON.createObjectNode();
        session.put("type", "realtime");
        session.put("object", "realtime.session");
        session.put("id", "sess_" + FakeEndpoints.randomHex(11));
        session.put("model", model);
        session.set("output_modalities", orDefault(requested, "output_modalities", JSON.createArrayNode().add("audio")));
        session.set("instructions", orDefault(requested, "instructions", JSON.getNodeFactory().textNode(DEFAULT_INSTRUCTIONS)));
        session.set("tools", orDefault(requested, "tools", JSON.createArrayNode()));
        session.set("tool_choice", orDefault(requested, "tool_choice", JSON.getNodeFactory().textNode("auto")));
        session.set("max_output_tokens", orDefault(requested, "max_output_tokens", JSON.getNodeFactory().textNode("inf")));
        session.set("tracing", orDefault(requested, "tracing", JSON.nullNode()));
        session.set("truncation", orDefault(requested, "truncation", JSON.getNodeFactory().textNode("auto")));
        copyIfPresent(requested, session, "prompt", "include", "reasoning");
        session.put("expires_at", 0);
        session.set("audio", realtimeAudio(requested.path("audio")));
        return session;
    }

    private static ObjectNode realtimeAudio(JsonNode requested) {
        ObjectNode audio = JSON.createObjectNode();
        audio.set("input", audioInput(requested.path("input")));
        audio.set("output", audioOutput(requested.path("output")));
        return audio;
    }

    private static ObjectNode audioInput(JsonNode requested) {
        ObjectNode input = JSON.createObjectNode();
        input.set("format", orDefault(requested, "format", pcm24k()));
        if (requested.path("transcription").isObject()) {
            input.set("transcription", requested.get("transcription").deepCopy());
        }
        if (requested.path("noise_reduction").isObject()) {
            input.set("noise_reduction", requested.get("noise_reduction").deepCopy());
        }
        input.set("turn_detection", orDefault(requested, "turn_detection", defaultTurnDetection()));
        return input;
    }

    private static ObjectNode audioOutput(JsonNode requested) {
        ObjectNode output = JSON.createObjectNode();
        output.set("format", orDefault(requested, "format", pcm24k()));
        JsonNode voice = requested.path("voice");
        // A custom voice is sent as {"id": ...}; the response schema names voices by string only.
        output.put("voice", voice.isObject() ? voice.path("id").asText() : voice.asText("alloy"));
        output.set("speed", orDefault(requested, "speed", JSON.getNodeFactory().numberNode(1.0)));
        return output;
    }

    private static ObjectNode transcriptionSession(JsonNode requested) {
        ObjectNode session = JSON.createObjectNode();
        session.put("type", "transcription");
        session.put("object", "realtime.transcription_session");
        session.put("id", "sess_" + FakeEndpoints.randomHex(11));
        session.put("expires_at", 0);
        copyIfPresent(requested, session, "include");
        ObjectNode audio = JSON.createObjectNode();
        audio.set("input", audioInput(requested.path("audio").path("input")));
        session.set("audio", audio);
        return session;
    }

    private static JsonNode orDefault(JsonNode requested, String field, JsonNode fallback) {
        JsonNode value = requested.get(field);
        return value == null ? fallback : value.deepCopy();
    }

    private static void copyIfPresent(JsonNode from, ObjectNode to, String... fields) {
        for (String field : fields) {
            if (from.has(field)) {
                to.set(field, from.get(field).deepCopy());
            }
        }
    }

    private static ObjectNode pcm24k() {
        return JSON.createObjectNode().put("type", "audio/pcm").put("rate", 24000);
    }

    private static ObjectNode defaultTurnDetection() {
        ObjectNode vad = JSON.createObjectNode();
        vad.put("type", "server_vad");
        vad.put("threshold", 0.5);
        vad.put("prefix_padding_ms", 300);
        vad.put("silence_duration_ms", 200);
        vad.putNull("idle_timeout_ms");
        vad.put("create_response", true);
        vad.put("interrupt_response", true);
        return vad;
    }
}
