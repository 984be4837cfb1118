package voicebroker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UpstreamBaseTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "https://api.openai.com/v1,   https://api.openai.com,        https://api.openai.com/v1/realtime/calls",
            "https://api.openai.com,      https://api.openai.com,        https://api.openai.com/v1/realtime/calls",
            "https://api.openai.com/,     https://api.openai.com,        https://api.openai.com/v1/realtime/calls",
            "https://API.OpenAI.com/v1/,  https://api.openai.com,        https://api.openai.com/v1/realtime/calls",
            "http://127.0.0.1:9999/v1,    http://127.0.0.1:9999,         http://127.0.0.1:9999/v1/realtime/calls",
            "http://localhost:9999,       http://localhost:9999,         http://localhost:9999/v1/realtime/calls",
            "http://[::1]:9999/v1,        http://[::1]:9999,             http://[::1]:9999/v1/realtime/calls",
            "https://team.example.com/openai/v1, https://team.example.com/openai, https://team.example.com/openai/v1/realtime/calls",
    })
    void acceptsBothSpellingsAndKeepsTheOldBaseForm(String raw, String root, String calls) {
        UpstreamBase base = UpstreamBase.parse(raw, Set.of("team.example.com"));
        assertEquals(root, base.rootString());
        assertEquals(calls, base.callsUrl());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "http://api.openai.com/v1",            // plain http to a remote host
            "https://evil.example.com/v1",         // not on the allowlist
            "https://user:pw@api.openai.com/v1",   // user-info
            "https://api.openai.com/v1?x=1",       // query
            "https://api.openai.com/v1#frag",      // fragment
            "https://api.openai.com:8443/v1",      // wrong port
            "https://api.openai.com./v1",          // trailing dot
            "https://аpi.openai.com/v1",           // Cyrillic look-alike
            "https://api.openai.com/v1/../x",      // path tricks
            "https://api.openai.com/other",        // not the API's path
            "ftp://api.openai.com/v1",             // scheme
            "https://0.0.0.0/v1",                  // not loopback, not allowed
            "http://0.0.0.0:9999/v1",              // 0.0.0.0 is not loopback
            "https://10.0.0.1/v1",                 // raw IP
            "not a url",
    })
    void refusesEverythingElseAtStartUp(String raw) {
        ConfigException e = assertThrows(ConfigException.class, () -> UpstreamBase.parse(raw, Set.of()));
        assertEquals("base_not_allowed", e.code());
        assertEquals("OPENAI_BASE_URL", e.variable());
    }

    @org.junit.jupiter.api.Test
    void anExtraHostWithAPortMustBeListedWithThatPort() {
        assertThrows(ConfigException.class, () -> UpstreamBase.parse("https://proxy.example.com:8443/v1", Set.of("proxy.example.com")));
        assertEquals("https://proxy.example.com:8443",
                UpstreamBase.parse("https://proxy.example.com:8443/v1", Set.of("proxy.example.com:8443")).rootString());
    }

    @org.junit.jupiter.api.Test
    void webSocketUrlFollowsTheBase() {
        assertEquals("wss://api.openai.com/v1/realtime?model=gpt-realtime",
                UpstreamBase.parse("https://api.openai.com", Set.of()).wsUrl("gpt-realtime"));
        assertEquals("ws://127.0.0.1:9/v1/realtime?model=m",
                UpstreamBase.parse("http://127.0.0.1:9", Set.of()).wsUrl("m"));
    }
}
