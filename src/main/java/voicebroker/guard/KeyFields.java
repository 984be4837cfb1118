package voicebroker.guard;

import java.util.Locale;

/**
 * Recognises a request field whose name says it carries a credential ({@code key}, {@code apiKey},
 * {@code OPENAI_API_KEY}, {@code authorization}, {@code clientSecret}, ...). Such a field is refused with its own
 * code, {@code key_from_browser}, rather than as an unknown field: a page that sends a key believes the broker
 * uses it, and the answer must say that keys come only from the broker's environment. The broker's routes and the
 * {@code /__start_voice} handler ask this one class, so both refuse the same names.
 */
public final class KeyFields {
    private KeyFields() {
    }

    /** True when the field's name (in any case, with {@code -} or {@code _}) names a key, secret or authorization. */
    public static boolean looksLikeKey(String fieldName) {
        String lower = fieldName.toLowerCase(Locale.ROOT).replace("-", "_");
        return lower.equals("key") || lower.endsWith("_key") || lower.endsWith("apikey") || lower.equals("authorization")
                || lower.contains("secret");
    }
}
