package voicebroker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each start-up refusal says what applies to the value the user wrote, not only that it is wrong. */
class ConfigMessagesTest {

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("a number out of range names the range and the default",
                        "VOICE_CALLS_PER_MINUTE", "0", "bad_number", "from 1 to 1000000", "default 60"),
                Arguments.of("a port out of range names the port range",
                        "VOICE_PORT", "70000", "bad_port", "from 1 to 65535", "default 8099"),
                Arguments.of("an origin with its default port says browsers leave it out, and how to write it",
                        "VOICE_ALLOWED_ORIGINS", "http://localhost:80", "bad_origin", "default port", "write it as http://localhost"),
                Arguments.of("an https origin with 443 the same",
                        "VOICE_ALLOWED_ORIGINS", "https://dash.example:443", "bad_origin", "default port", "write it as https://dash.example"),
                Arguments.of("an origin with a trailing slash says so",
                        "VOICE_ALLOWED_ORIGINS", "http://localhost:5173/", "bad_origin", "trailing slash", "http://localhost:5173"),
                Arguments.of("a proxy that is a bare word is refused, not used as a proxy on port 80",
                        "HTTPS_PROXY", "notaurl", "bad_proxy", "neither http://host:port nor host:port", "http://host:port"),
                Arguments.of("a proxy with a path is refused",
                        "HTTPS_PROXY", "http://proxy.example:3128/some/path", "bad_proxy", "neither", "http://host:port"),
                Arguments.of("a SOCKS proxy is refused by name",
                        "HTTPS_PROXY", "socks5://proxy.example:1080", "bad_proxy", "scheme 'socks5'", "http://host:port"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void theRefusalFitsTheMistake(String row, String variable, String value, String code, String inProblem, String inFixOrProblem) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of(variable, value)));
        assertEquals(code, e.code());
        assertEquals(variable, e.variable());
        assertTrue(e.problem().contains(inProblem), e.problem());
        assertTrue((e.problem() + " " + e.fix()).contains(inFixOrProblem), e.getMessage());
    }

    @ParameterizedTest(name = "HTTPS_PROXY={0} is a proxy")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"http://proxy.example:3128", "proxy.example:3128", "http://10.0.0.1:8080/",
            "https://proxy.example"})
    void realProxiesAreStillAccepted(String proxy) {
        assertTrue(ConfigLoader.load(Map.of("HTTPS_PROXY", proxy)).proxy().proxy().isPresent(), proxy);
    }
}
