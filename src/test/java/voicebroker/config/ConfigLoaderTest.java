package voicebroker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import voicebroker.json.JsonTree;

class ConfigLoaderTest {
    @TempDir
    Path tmp;

    private Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("VOICE_RUNTIME_DIR", tmp.resolve("rt").toString());
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    private ConfigException refused(Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(env));
    }

    @Test
    void defaultsAreTheDashboardsOriginsModelsAndTtl() {
        BrokerConfig config = ConfigLoader.load(env());
        assertFalse(config.keyed());
        assertEquals(8099, config.port());
        assertEquals("https://api.openai.com", config.base().rootString());
        assertEquals(List.of("http://localhost:5173", "http://127.0.0.1:5173"), config.allowedOrigins());
        assertEquals(List.of("gpt-realtime", "gpt-realtime-2"), config.models());
        assertEquals(600, config.secretTtlSeconds());
        assertTrue(config.tokenGenerated());
        assertTrue(config.token().reveal().length() >= 43, "256 random bits, base64url");
        assertTrue(config.bind().stream().allMatch(java.net.InetAddress::isLoopbackAddress));
        assertTrue(config.templates().has("companion"));
    }

    @Test
    void generatedTokensDifferPerProcessStart() {
        assertNotEquals(ConfigLoader.load(env()).token().reveal(), ConfigLoader.load(env()).token().reveal());
    }

    @Test
    void theKeyNeverShowsInToStringOrTheConfigRecord() {
        BrokerConfig config = ConfigLoader.load(env("OPENAI_API_KEY", "sk-test-secret-value-1234567890"));
        assertFalse(config.toString().contains("sk-test-secret-value-1234567890"));
        assertFalse(config.apiKey().get().masked().contains("secret-value"));
    }

    @Test
    void aKeyWithQuotesOrSpacesCannotBeAKey() {
        for (String key : new String[] {"\"sk-test-abcdefghij\"", "'sk-test-abcdefghij'", "sk-test-abc defghij", "sk-test-abc\"defghij"}) {
            ConfigException refused = refused(env("OPENAI_API_KEY", key));
            assertEquals("bad_key", refused.code(), key);
            assertFalse(refused.getMessage().contains("abcdefghij"), "the key is never printed: " + refused.getMessage());
        }
    }

    @Test
    void nonLoopbackBindIsRefusedUnlessTheTestSwitchIsOn() {
        assertEquals("bind_not_loopback", refused(env("VOICE_BIND", "0.0.0.0")).code());
        assertEquals("bind_not_loopback", refused(env("VOICE_BIND", "localhost")).code());
        BrokerConfig unsafe = ConfigLoader.load(env("VOICE_BIND", "0.0.0.0", "VOICE_UNSAFE_TEST_BIND", "1"));
        assertTrue(unsafe.bind().get(0).isAnyLocalAddress());
    }

    @Test
    void ttlPortAndModelsAreRangeChecked() {
        assertEquals("bad_ttl", refused(env("VOICE_SECRET_TTL", "5")).code());
        assertEquals("bad_ttl", refused(env("VOICE_SECRET_TTL", "7201")).code());
        assertEquals("bad_ttl", refused(env("VOICE_SECRET_TTL", "ten")).code());
        assertEquals(7200, ConfigLoader.load(env("VOICE_SECRET_TTL", "7200")).secretTtlSeconds());
        assertEquals("bad_port", refused(env("VOICE_PORT", "70000")).code());
        assertEquals("bad_models", refused(env("VOICE_MODELS", "gpt realtime")).code());
    }

    @Test
    void originsMustBeWrittenExactlyAsBrowsersSendThem() {
        for (String bad : List.of("*", "null", "http://localhost:5173/", "localhost:5173", "http://LOCALHOST:5173",
                "http://localhost:80", "file://", "http://localhost:5173/path")) {
            assertEquals("bad_origin", refused(env("VOICE_ALLOWED_ORIGINS", bad)).code(), bad);
        }
        assertEquals(List.of("http://localhost:3000", "https://dash.example.com"),
                ConfigLoader.load(env("VOICE_ALLOWED_ORIGINS", "http://localhost:3000, https://dash.example.com")).allowedOrigins());
    }

    @Test
    void tokenMayComeFromAFileAndMustBeLong() throws IOException {
        Path file = tmp.resolve("token");
        Files.writeString(file, "a-dashboard-token-that-is-long-enough-1234\n");
        BrokerConfig config = ConfigLoader.load(env("VOICE_BROKER_TOKEN_FILE", file.toString()));
        assertEquals("a-dashboard-token-that-is-long-enough-1234", config.token().reveal());
        assertFalse(config.tokenGenerated());
        assertEquals("bad_token_config", refused(env("VOICE_BROKER_TOKEN", "short")).code());
        assertEquals("bad_token_config", refused(env("VOICE_BROKER_TOKEN_FILE", tmp.resolve("missing").toString())).code());
        assertEquals("bad_token_config", refused(env("VOICE_TOKEN_HEADER", "Cookie")).code());
        assertEquals("x-dash-token", ConfigLoader.load(env("VOICE_TOKEN_HEADER", "X-Dash-Token")).tokenHeader().orElseThrow());
    }

    @Test
    void dotEnvFillsGapsButTheRealEnvironmentWins() throws IOException {
        Path dotEnv = tmp.resolve(".env");
        Files.writeString(dotEnv, "# comment\nexport OPENAI_API_KEY=\"sk-test-from-dotenv-123456\"\nVOICE_PORT=9100\n");
        Map<String, String> merged = DotEnv.merged(env("VOICE_PORT", "9200"), dotEnv);
        BrokerConfig config = ConfigLoader.load(merged);
        assertEquals("sk-test-from-dotenv-123456", config.apiKey().orElseThrow().reveal());
        assertEquals(9200, config.port());
    }

    @Test
    void userTemplatesAreCheckedAgainstTheContract() throws IOException {
        Path good = tmp.resolve("good.json");
        Files.writeString(good, """
                {"companion": {"instructions": "Be brief.", "audio": {"output": {"voice": "cedar", "speed": 1.2}}},
                 "coach": {"instructions": "Coach me.", "tools": [], "tool_choice": "auto"}}""");
        BrokerConfig config = ConfigLoader.load(env("VOICE_SESSION_TEMPLATES", good.toString()));
        assertEquals(java.util.Set.of("companion", "coach"), config.templates().modes());

        Path tooFast = tmp.resolve("fast.json");
        Files.writeString(tooFast, "{\"companion\": {\"audio\": {\"output\": {\"speed\": 3}}}}");
        ConfigException e = refused(env("VOICE_SESSION_TEMPLATES", tooFast.toString()));
        assertEquals("bad_templates", e.code());
        assertTrue(e.problem().contains("speed"), e.problem());

        Path ownsModel = tmp.resolve("model.json");
        Files.writeString(ownsModel, "{\"companion\": {\"model\": \"gpt-4o\"}}");
        assertEquals("bad_templates", refused(env("VOICE_SESSION_TEMPLATES", ownsModel.toString())).code());

        Path notJson = tmp.resolve("broken.json");
        Files.writeString(notJson, "{");
        assertEquals("bad_templates", refused(env("VOICE_SESSION_TEMPLATES", notJson.toString())).code());
        assertEquals("bad_templates", refused(env("VOICE_SESSION_TEMPLATES", tmp.resolve("absent.json").toString())).code());
    }

    @Test
    void builtInTemplatesAreTheDocumentedJson() throws Exception {
        SessionTemplates builtIn = SessionTemplates.builtIn();
        assertEquals(java.util.Set.of("companion", "direct"), builtIn.modes());
        // compared as text: the configuration fingerprint covers it, member order included
        assertEquals(JsonTree.text(JsonTree.parse("""
                {"instructions": "You are a helpful, concise voice assistant. Answer briefly and ask when something is unclear.",
                 "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"},
                                     "turn_detection": {"type": "server_vad"}},
                           "output": {"voice": "marin"}}}""")), JsonTree.text(builtIn.template("companion")));
        assertEquals(JsonTree.text(JsonTree.parse("""
                {"audio": {"input": {"turn_detection": {"type": "server_vad"}},
                           "output": {"voice": "marin"}}}""")), JsonTree.text(builtIn.template("direct")));
    }

    @Test
    void builtInTemplatesSatisfyTheContract() {
        ContractSchema schema = ContractSchema.component("RealtimeSessionCreateRequestGA");
        SessionTemplates builtIn = SessionTemplates.builtIn();
        for (String mode : builtIn.modes()) {
            assertEquals(List.of(), schema.violations(SessionTemplates.forRequest(builtIn.template(mode), "gpt-realtime", "marin")), mode);
        }
    }

    @Test
    void proxySettingsBypassLoopbackAndListedHosts() {
        ProxySettings proxy = ConfigLoader.load(env("HTTPS_PROXY", "http://proxy.local:3128", "NO_PROXY", ".corp.example,other.example")).proxy();
        assertEquals("proxy.local", proxy.proxy().orElseThrow().getHost());
        assertTrue(proxy.bypasses("127.0.0.1"));
        assertTrue(proxy.bypasses("api.corp.example"));
        assertTrue(proxy.bypasses("other.example"));
        assertFalse(proxy.bypasses("api.openai.com"));
        assertEquals("bad_proxy", refused(env("HTTPS_PROXY", "http://user:pw@proxy.local:3128")).code());
    }

    @Test
    void theFingerprintIsStableAcrossLoadsAndFollowsWhatMatters() throws IOException {
        Path templates = tmp.resolve("t.json");
        Files.writeString(templates, "{\"a\": {\"instructions\": \"one\"}, \"b\": {}, \"c\": {}}");
        Map<String, String> base = env("OPENAI_API_KEY", "sk-test-fingerprint-key-0001", "VOICE_SESSION_TEMPLATES", templates.toString());
        String first = ConfigLoader.load(base).fingerprint("salt");
        assertEquals(first, ConfigLoader.load(base).fingerprint("salt"), "a generated token does not change it");
        assertNotEquals(first, ConfigLoader.load(base).fingerprint("other-salt"));
        Map<String, String> otherKey = new HashMap<>(base);
        otherKey.put("OPENAI_API_KEY", "sk-test-fingerprint-key-0002");
        assertNotEquals(first, ConfigLoader.load(otherKey).fingerprint("salt"));
        Files.writeString(templates, "{\"a\": {\"instructions\": \"two\"}, \"b\": {}, \"c\": {}}");
        assertNotEquals(first, ConfigLoader.load(base).fingerprint("salt"), "an edited template changes it");
    }
}
