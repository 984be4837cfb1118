package voicebroker.mint;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import voicebroker.config.BrokerConfig;
import voicebroker.config.SessionTemplates;
import voicebroker.json.JsonTree;

/**
 * The upstream request of a mint: the GA shape from the mode's template, the model, the voice and the TTL. Only
 * the voice differs between mints of one mode and model, so each such body is encoded once, on its first mint, and
 * kept as the bytes before and after the voice; a mint joins them around its own voice. Modes and models are fixed
 * at start-up, so what is kept stays a handful of bodies.
 */
final class SessionBodies {
    /** Stands for the voice while a body is encoded; a template that holds this text itself is encoded per mint. */
    private static final String SLOT = "\u0000voice\u0000";
    private static final byte[] SLOT_JSON = quoted(SLOT);
    private final BrokerConfig config;
    private final Map<String, Map<String, Encoded>> byMode = new ConcurrentHashMap<>();

    /** A body with the template's voice (or the default one), and the bytes around the voice, or none when the slot is not found once. */
    private record Encoded(byte[] templateVoice, byte[] before, byte[] after) {
    }

    SessionBodies(BrokerConfig config) {
        this.config = config;
    }

    /** The body for this request and model, as UTF-8 JSON: byte for byte the encoded {@link #tree}. */
    byte[] body(MintRequest request, String model) {
        Encoded encoded = encoded(request.mode(), model);
        if (request.voice() == null) {
            return encoded.templateVoice();
        }
        if (encoded.before() == null) {
            return JsonTree.bytes(tree(request.mode(), model, request.voice()));
        }
        byte[] voice = quoted(request.voice());
        byte[] body = new byte[encoded.before().length + voice.length + encoded.after().length];
        System.arraycopy(encoded.before(), 0, body, 0, encoded.before().length);
        System.arraycopy(voice, 0, body, encoded.before().length, voice.length);
        System.arraycopy(encoded.after(), 0, body, encoded.before().length + voice.length, encoded.after().length);
        return body;
    }

    /** The body as a tree: {@code voice} null takes the template's voice, else the default one. */
    ObjectNode tree(String mode, String model, String voice) {
        ObjectNode body = JsonTree.objectNode();
        ObjectNode expires = body.putObject("expires_after");
        expires.put("anchor", "created_at");
        expires.put("seconds", config.secretTtlSeconds());
        body.set("session", SessionTemplates.forRequest(config.templates().template(mode), model, voice));
        return body;
    }

    private Encoded encoded(String mode, String model) {
        Map<String, Encoded> byModel = byMode.get(mode);
        if (byModel == null) {
            byModel = byMode.computeIfAbsent(mode, m -> new ConcurrentHashMap<>());
        }
        Encoded encoded = byModel.get(model);
        if (encoded == null) {
            encoded = encode(mode, model);
            byModel.put(model, encoded);
        }
        return encoded;
    }

    private Encoded encode(String mode, String model) {
        byte[] templateVoice = JsonTree.bytes(tree(mode, model, null));
        byte[] withSlot = JsonTree.bytes(tree(mode, model, SLOT));
        int at = indexOf(withSlot, SLOT_JSON, 0);
        if (at < 0 || indexOf(withSlot, SLOT_JSON, at + 1) >= 0) {
            return new Encoded(templateVoice, null, null);
        }
        byte[] before = Arrays.copyOfRange(withSlot, 0, at);
        byte[] after = Arrays.copyOfRange(withSlot, at + SLOT_JSON.length, withSlot.length);
        return new Encoded(templateVoice, before, after);
    }

    /** A JSON string literal, quotes included, as the generator writes it. */
    private static byte[] quoted(String text) {
        byte[] inner = JsonStringEncoder.getInstance().quoteAsUTF8(text);
        byte[] literal = new byte[inner.length + 2];
        literal[0] = '"';
        System.arraycopy(inner, 0, literal, 1, inner.length);
        literal[literal.length - 1] = '"';
        return literal;
    }

    private static int indexOf(byte[] text, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= text.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (text[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
