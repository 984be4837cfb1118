package voicebroker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import voicebroker.net.Origin;

/** The builder names every setting; what it leaves out has the safe default of an unconfigured broker. */
class BrokerConfigTest {
    private final Path runtime = Path.of("runtime-dir-for-test");

    @Test
    void defaultsAreThoseOfAnUnconfiguredBroker() {
        BrokerConfig config = BrokerConfig.builder().runtimeDir(runtime).build();
        assertFalse(config.keyed());
        assertEquals(ConfigLoader.DEFAULT_PORT, config.port());
        assertEquals(List.of("http://localhost:5173", "http://127.0.0.1:5173"), config.allowedOrigins());
        assertEquals(List.of(Origin.parse("http://localhost:5173"), Origin.parse("http://127.0.0.1:5173")), config.origins());
        assertTrue(config.tokenGenerated());
        assertTrue(config.bind().stream().allMatch(java.net.InetAddress::isLoopbackAddress));
        assertEquals(Limits.defaults(), config.limits());
    }

    @Test
    void aConfiguredTokenIsMarkedAsPartOfTheContract() {
        BrokerConfig config = BrokerConfig.builder().runtimeDir(runtime).configuredToken(Secret.of("t".repeat(40)))
                .apiKey(Secret.of("sk-test-builder-key-0000")).build();
        assertFalse(config.tokenGenerated());
        assertTrue(config.keyed());
    }

    @Test
    void noConfigHoldsAnOriginABrowserWouldNeverSend() {
        assertThrows(Origin.Invalid.class, () -> BrokerConfig.builder().runtimeDir(runtime).allowedOrigins(List.of("http://localhost:80")).build());
        assertThrows(IllegalArgumentException.class, () -> BrokerConfig.builder().runtimeDir(runtime).allowedOrigins(List.of()).build());
    }

    @Test
    void theRuntimeDirectoryHasNoDefault() {
        assertThrows(IllegalStateException.class, () -> BrokerConfig.builder().build());
    }
}
