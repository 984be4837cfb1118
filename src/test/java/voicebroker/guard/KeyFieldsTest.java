package voicebroker.guard;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A field named like a credential is recognised, on the broker and on /__start_voice alike. */
class KeyFieldsTest {

    @ParameterizedTest
    @ValueSource(strings = {"key", "KEY", "apiKey", "api_key", "api-key", "OPENAI_API_KEY", "openai_api_key", "authorization",
            "clientSecret", "client_secret", "secret"})
    void aFieldNamedLikeACredentialIsAKey(String name) {
        assertTrue(KeyFields.looksLikeKey(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"voice", "mode", "input", "token", "keyboard", "monkey", "format", "instructions"})
    void ordinaryFieldsAreNot(String name) {
        assertFalse(KeyFields.looksLikeKey(name));
    }
}
