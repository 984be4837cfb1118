package voicebroker.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import voicebroker.config.BrokerConfig;
import voicebroker.config.ConfigLoader;

/** `voice doctor` fails a key that cannot be a key and a broker that would listen beyond loopback. */
class DoctorConfigChecksTest {
    @TempDir
    Path dir;

    private BrokerConfig config(String... pairs) {
        Map<String, String> env = new HashMap<>(Map.of("VOICE_RUNTIME_DIR", dir.toString()));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return ConfigLoader.load(env);
    }

    @Test
    void aKeyWithoutTheSkPrefixFailsForOpenAiButNotForALocalServer() {
        assertEquals(Check.Status.OK, Doctor.key(config("OPENAI_API_KEY", "sk-test-abcdefghijklmnop")).status());
        Check typo = Doctor.key(config("OPENAI_API_KEY", "test-abcdefghijklmnop"));
        assertEquals(Check.Status.FAIL, typo.status());
        assertTrue(typo.detail().contains("does not start with sk-") && !typo.detail().contains("abcdefghijklmnop"), typo.toString());
        assertEquals(Check.Status.OK, Doctor.key(config("OPENAI_API_KEY", "local-key", "OPENAI_BASE_URL", "http://127.0.0.1:1234/v1")).status(),
                "a compatible local server may use any key");
    }

    @Test
    void listeningBeyondLoopbackFails() {
        assertEquals(Check.Status.OK, Doctor.bind(Optional.of(config())).status());
        Check unsafe = Doctor.bind(Optional.of(config("VOICE_BIND", "0.0.0.0", "VOICE_UNSAFE_TEST_BIND", "1")));
        assertEquals(Check.Status.FAIL, unsafe.status());
        assertTrue(unsafe.detail().contains("UNSAFE") && unsafe.detail().contains("0.0.0.0"), unsafe.toString());
    }
}
