package voicebroker.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.guard.KeyFields;
import voicebroker.log.Redactor;

/** Checks request fields: only the route's own fields, each of the right type and shape. */
final class Fields {
    /** A built-in voice name or a custom voice id. */
    static final Pattern VOICE = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private Fields() {
    }

    /**
     * Refuses any field the route does not take; a field named like a key gets its own error, so a page that
     * tries to send a key learns that the key comes only from the broker's environment.
     */
    static void allowOnly(ObjectNode body, Set<String> allowed) {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (KeyFields.looksLikeKey(name)) {
                String shown = Redactor.printable(name, 64);
                throw Refusal.of(ErrorCode.KEY_FROM_BROWSER, "The field '" + shown + "' looks like an API key; keys are never accepted from a request.",
                        "Remove '" + shown + "' from the request; the key lives only in the broker's environment (OPENAI_API_KEY or .env).")
                        .withField("field", shown).asException();
            }
            if (!allowed.contains(name)) {
                throw Refusal.invalidField(Redactor.printable(name, 64), "The field '" + Redactor.printable(name, 64) + "' is not accepted here.",
                        "Send only " + String.join(", ", allowed.stream().sorted().toList()) + ".").asException();
            }
        }
    }

    static Optional<String> optionalString(ObjectNode body, String name, Pattern shape, String hint) {
        JsonNode value = body.get(name);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual() || !shape.matcher(value.asText()).matches()) {
            throw Refusal.invalidField(name, "The field '" + name + "' is not valid.", hint).asException();
        }
        return Optional.of(value.asText());
    }

    static Optional<String> optionalText(ObjectNode body, String name, int maxChars, boolean required) {
        JsonNode value = body.get(name);
        if (value == null || value.isNull()) {
            if (required) {
                throw Refusal.invalidField(name, "The field '" + name + "' is required.", "Send it as a string.").asException();
            }
            return Optional.empty();
        }
        if (!value.isTextual() || value.asText().isBlank() || value.asText().length() > maxChars) {
            throw Refusal.invalidField(name, "The field '" + name + "' must be a non-empty string of at most " + maxChars + " characters.",
                    "Shorten or fix '" + name + "'.").asException();
        }
        return Optional.of(value.asText());
    }

    static Optional<Double> optionalNumber(ObjectNode body, String name, double min, double max) {
        JsonNode value = body.get(name);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isNumber() || value.asDouble() < min || value.asDouble() > max) {
            throw Refusal.invalidField(name, "The field '" + name + "' must be a number from " + min + " to " + max + ".",
                    "Fix '" + name + "'.").asException();
        }
        return Optional.of(value.asDouble());
    }
}
