package voicebroker.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class RedactorTest {

    @Test
    void removesKnownSecretsAndAnythingKeyLike() {
        Redactor.register("a-registered-broker-token-value");
        String line = Redactor.redact("token a-registered-broker-token-value key sk-proj-AbC123_xyz secret ek_68af296e8e40 "
                + "echo 'Incorrect API key provided: sk-test-ab**********wxyz' Authorization: Bearer abcdefghijkl");
        assertFalse(line.contains("a-registered-broker-token-value"), line);
        assertFalse(line.contains("AbC123"), line);
        assertFalse(line.contains("68af296e"), line);
        assertFalse(line.contains("wxyz"), line);
        assertFalse(line.contains("abcdefghijkl"), line);
    }

    @Test
    void leavesOrdinaryTextAlone() {
        assertEquals("POST /api/session 200 3ms", Redactor.redact("POST /api/session 200 3ms"));
    }
}
