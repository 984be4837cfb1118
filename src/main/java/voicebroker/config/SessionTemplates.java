package voicebroker.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import voicebroker.json.JsonTree;

/**
 * One GA Realtime session template per mode (instructions, tools, audio settings). The broker adds
 * {@code type}, {@code model} and the voice per request; everything else comes from here, never from the page.
 * User templates are checked against the contract's {@code RealtimeSessionCreateRequestGA} at start-up.
 */
public final class SessionTemplates {
    public static final String DEFAULT_MODE = "companion";
    private static final String VAR = "VOICE_SESSION_TEMPLATES";
    /** Fields the broker owns: a template may not set them. */
    private static final Set<String> BROKER_OWNED = Set.of("type", "model");

    private final Map<String, ObjectNode> byMode;

    private SessionTemplates(Map<String, ObjectNode> byMode) {
        this.byMode = Map.copyOf(byMode);
    }

    /**
     * The built-in neutral templates: {@code companion} (short neutral instructions) and {@code direct} (none).
     * Built as trees rather than parsed from text, so that a start with no template file needs no JSON parser
     * before its first answer; in JSON they read:
     * <pre>
     * companion: {"instructions": "You are a helpful, concise voice assistant. Answer briefly and ask when something is unclear.",
     *             "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"},
     *                                 "turn_detection": {"type": "server_vad"}},
     *                       "output": {"voice": "marin"}}}
     * direct:    {"audio": {"input": {"turn_detection": {"type": "server_vad"}},
     *                       "output": {"voice": "marin"}}}
     * </pre>
     */
    public static SessionTemplates builtIn() {
        ObjectNode companion = JsonTree.objectNode();
        companion.put("instructions", "You are a helpful, concise voice assistant. Answer briefly and ask when something is unclear.");
        ObjectNode companionAudio = companion.putObject("audio");
        ObjectNode companionInput = companionAudio.putObject("input");
        companionInput.putObject("transcription").put("model", "gpt-4o-mini-transcribe");
        companionInput.putObject("turn_detection").put("type", "server_vad");
        companionAudio.putObject("output").put("voice", DEFAULT_VOICE);
        ObjectNode direct = JsonTree.objectNode();
        ObjectNode directAudio = direct.putObject("audio");
        directAudio.putObject("input").putObject("turn_detection").put("type", "server_vad");
        directAudio.putObject("output").put("voice", DEFAULT_VOICE);
        return new SessionTemplates(Map.of(DEFAULT_MODE, companion, "direct", direct));
    }

    /** Reads and checks a user's template file: a JSON object from mode name to session template. */
    public static SessionTemplates load(Path file, String firstModel) {
        JsonNode root = readFile(file);
        if (!root.isObject() || root.isEmpty()) {
            throw invalid(file, "it must be a JSON object mapping each mode name to a session template.");
        }
        Map<String, ObjectNode> byMode = new LinkedHashMap<>();
        ContractSchema schema = ContractSchema.component("RealtimeSessionCreateRequestGA");
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            byMode.put(entry.getKey(), checkTemplate(file, entry.getKey(), entry.getValue(), firstModel, schema));
        }
        return new SessionTemplates(byMode);
    }

    private static ObjectNode checkTemplate(Path file, String mode, JsonNode template, String model,
                                            ContractSchema schema) {
        if (!mode.matches("[a-z0-9][a-z0-9_-]{0,31}")) {
            throw invalid(file, "mode name '" + mode + "' must be 1-32 lower-case letters, digits, '-' or '_'.");
        }
        if (!template.isObject()) {
            throw invalid(file, "template '" + mode + "' must be a JSON object.");
        }
        for (String owned : BROKER_OWNED) {
            if (template.has(owned)) {
                throw invalid(file, "template '" + mode + "' sets '" + owned
                        + "', which the broker sets itself (models come from VOICE_MODELS).");
            }
        }
        ObjectNode session = forRequest((ObjectNode) template, model, null);
        List<String> violations = schema.violations(session);
        if (!violations.isEmpty()) {
            throw invalid(file, "template '" + mode + "' does not satisfy the Realtime session contract: "
                    + String.join("; ", violations));
        }
        return (ObjectNode) template;
    }

    /** The voice used when neither the page nor the template names one (the one dashboards were written against). */
    public static final String DEFAULT_VOICE = "marin";

    /**
     * The session object sent upstream: the template plus {@code type}, {@code model} and the voice (the
     * page's choice, else the template's, else {@link #DEFAULT_VOICE}).
     */
    public static ObjectNode forRequest(ObjectNode template, String model, String voice) {
        ObjectNode session = JsonNodeFactory.instance.objectNode();
        session.put("type", "realtime");
        session.put("model", model);
        // The template's members are shared, not copied (a deep copy of the instructions and tools on every mint):
        // only the objects on the way to the voice are copied, since only they are written to.
        session.setAll(template);
        ObjectNode output = ownObject(ownObject(session, "audio"), "output");
        if (voice != null) {
            output.put("voice", voice);
        } else if (!output.has("voice")) {
            output.put("voice", DEFAULT_VOICE);
        }
        return session;
    }

    /** The object at {@code name} in {@code parent}, replaced by a shallow copy of its own first when it is shared. */
    private static ObjectNode ownObject(ObjectNode parent, String name) {
        if (parent.get(name) instanceof ObjectNode shared) {
            parent.set(name, JsonNodeFactory.instance.objectNode().setAll(shared));
        }
        return parent.withObjectProperty(name);
    }

    public boolean has(String mode) {
        return byMode.containsKey(mode);
    }

    public ObjectNode template(String mode) {
        return byMode.get(mode);
    }

    public Set<String> modes() {
        return byMode.keySet();
    }

    /** Every mode with its template, in a stable order: what the configuration fingerprint covers. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, ObjectNode> mode : new java.util.TreeMap<>(byMode).entrySet()) {
            text.append(mode.getKey()).append('=').append(JsonTree.text(mode.getValue())).append('\n');
        }
        return text.toString();
    }

    private static JsonNode readFile(Path file) {
        try {
            return JsonTree.parse(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw invalid(file, "it is not valid JSON (line " + e.getLocation().getLineNr() + ").");
        } catch (IOException e) {
            throw new ConfigException("bad_templates", VAR, "'" + file + "' cannot be read ("
                    + e.getClass().getSimpleName() + ").", "point it at a readable JSON file, or unset it.");
        }
    }

    private static ConfigException invalid(Path file, String problem) {
        return new ConfigException("bad_templates", VAR, "'" + file.getFileName() + "': " + problem,
                "fix the template file (see the README's 'Session templates'), or unset it to use the built-in ones.");
    }
}
