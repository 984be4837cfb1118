package voicebroker.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import voicebroker.json.JsonTree;
import voicebroker.config.BrokerConfig;
import voicebroker.config.SessionTemplates;
import voicebroker.mint.MintRequest;
import voicebroker.mint.Minter;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.StreamBody;
import voicebroker.upstream.AudioStream;
import voicebroker.upstream.OpenAiClient;

/**
 * The broker's four routes. Each handler sees only requests that passed every guard, and only validated
 * fields reach the upstream: the page chooses a voice and a mode, never a model, base, key or template.
 */
final class BrokerRoutes {
    static final String TTS_MODEL = "gpt-4o-mini-tts";
    private static final String VOICE_HINT = "Use a Realtime voice id such as marin, cedar or alloy.";
    /** Compiled with the first request that needs them, not on the way to the broker's first answer. */
    private static final class Shapes {
        static final Pattern FORMAT = Pattern.compile("mp3|opus|aac|flac|wav|pcm");
        static final Pattern MODE = Pattern.compile("[a-z0-9_-]{1,32}");
    }

    private final BrokerConfig config;
    private final Optional<OpenAiClient> upstream;
    private final Optional<Minter> minter;
    /** The modes never change after start-up, so neither does the hint that lists them: made once, not per mint. */
    private final String modesHint;

    BrokerRoutes(BrokerConfig config, Optional<OpenAiClient> upstream, Optional<Minter> minter) {
        this.config = config;
        this.upstream = upstream;
        this.minter = minter;
        this.modesHint = "Use one of: " + String.join(", ", new TreeSet<>(config.templates().modes())) + ".";
    }

    List<Route> all() {
        return List.of(
                new Route("/api/health", Set.of("GET"), false, Set.of(), body -> health()),
                new Route("/api/session", Set.of("POST"), true, Set.of("voice", "mode"), this::session),
                new Route("/api/sample", Set.of("POST"), true, Set.of("voice"), this::sample),
                new Route("/api/tts", Set.of("POST"), true, Set.of("input", "voice", "format", "instructions", "speed"), this::tts));
    }

    private Reply health() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ok", true);
        body.put("keyed", config.keyed());
        body.put("base", config.base().rootString());
        body.put("service", "voice-broker");
        return Reply.json(body);
    }

    private Reply session(ObjectNode body) {
        String voice = Fields.optionalString(body, "voice", Fields.VOICE, VOICE_HINT).orElse(null);
        String mode = Fields.optionalString(body, "mode", Shapes.MODE, modesHint).orElse(SessionTemplates.DEFAULT_MODE);
        if (!config.templates().has(mode)) {
            throw voicebroker.error.Refusal.invalidField("mode", "There is no mode '" + mode + "'.", modesHint).asException();
        }
        return Reply.json(minter.orElseThrow().mint(new MintRequest(mode, voice)));
    }

    private Reply sample(ObjectNode body) {
        String voice = Fields.optionalString(body, "voice", Fields.VOICE, VOICE_HINT).orElse("marin");
        ObjectNode speech = JsonTree.objectNode();
        speech.put("model", TTS_MODEL);
        speech.put("input", "Hi, I'm " + voice + ". This is how I sound.");
        speech.put("voice", voice);
        speech.put("response_format", "mp3");
        return audio(upstream.orElseThrow().postForAudio("/audio/speech", speech));
    }

    private Reply tts(ObjectNode body) {
        ObjectNode speech = JsonTree.objectNode();
        speech.put("model", TTS_MODEL);
        speech.put("input", Fields.optionalText(body, "input", 4096, true).orElseThrow());
        speech.put("voice", Fields.optionalString(body, "voice", Fields.VOICE, VOICE_HINT).orElse("marin"));
        speech.put("response_format", Fields.optionalString(body, "format", Shapes.FORMAT, "Use mp3, opus, aac, flac, wav or pcm.").orElse("mp3"));
        Fields.optionalText(body, "instructions", 4096, false).ifPresent(text -> speech.put("instructions", text));
        Fields.optionalNumber(body, "speed", 0.25, 4.0).ifPresent(speed -> speech.put("speed", speed));
        return audio(upstream.orElseThrow().postForAudio("/audio/speech", speech));
    }

    /** Upstream audio, copied through to the page as it arrives. */
    private static Reply audio(AudioStream stream) {
        return Reply.stream(new StreamBody() {
            @Override
            public String contentType() {
                return stream.contentType();
            }

            @Override
            public void copyTo(OutputStream out) throws IOException {
                stream.copyTo(out);
            }

            @Override
            public void close() throws IOException {
                stream.close();
            }
        });
    }
}
