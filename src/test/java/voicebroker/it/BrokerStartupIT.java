package voicebroker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static voicebroker.it.Client.assertRefusal;
import static voicebroker.it.Client.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.RawHttp;

/** Start-up: configuration errors, the base URL seen by the page, the key's hygiene, and the runtime file. */
class BrokerStartupIT {

    private static Map<String, String> env(String... pairs) {
        return Brokers.env(pairs);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "OPENAI_BASE_URL|http://api.openai.com/v1|base_not_allowed",
            "OPENAI_BASE_URL|https://evil.example/v1|base_not_allowed",
            "OPENAI_BASE_URL|https://user:pw@api.openai.com/v1|base_not_allowed",
            "OPENAI_BASE_URL|https://api.openai.com/v1?x=1|base_not_allowed",
            "VOICE_BIND|0.0.0.0|bind_not_loopback",
            "VOICE_SECRET_TTL|5|bad_ttl",
            "VOICE_ALLOWED_ORIGINS|*|bad_origin",
            "VOICE_SESSION_TEMPLATES|/nonexistent/templates.json|bad_templates",
    })
    void badConfigurationExitsTwoWithOneLineNamingTheFix(String variable, String value, String code) {
        BrokerProcess.Result result = BrokerProcess.run(env(variable, value, "OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY), "serve");
        assertEquals(2, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains(code), result.stderr());
        assertTrue(result.stderr().contains(variable), result.stderr());
        assertTrue(result.stderr().contains("Fix:"), result.stderr());
        assertEquals(1, result.stderr().strip().lines().count(), "one message: " + result.stderr());
        assertFalse(result.stdout().contains("ready"), "never ready");
        assertFalse(result.stderr().contains(FakeOpenAi.DEFAULT_KEY));
    }

    @Test
    void aTemplateThatBreaksTheContractStopsStartUp(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path templates = tmp.resolve("templates.json");
        Files.writeString(templates, "{\"companion\": {\"audio\": {\"output\": {\"voice\": 42}}}}");
        BrokerProcess.Result result = BrokerProcess.run(env("VOICE_SESSION_TEMPLATES", templates.toString()), "serve");
        assertEquals(2, result.exitCode());
        assertTrue(result.stderr().contains("bad_templates") && result.stderr().contains("voice"), result.stderr());
    }

    @Test
    void aPortInUseIsSaidPlainly() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            BrokerProcess.Result result = BrokerProcess.run(env("VOICE_PORT", String.valueOf(taken.getLocalPort()),
                    "VOICE_BIND", "127.0.0.1"), "serve");
            assertEquals(2, result.exitCode());
            assertTrue(result.stderr().contains("port_in_use") && result.stderr().contains(String.valueOf(taken.getLocalPort())), result.stderr());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/v1", "/v1/"})
    void bothBaseSpellingsGiveThePageTheSameUrls(String suffix) {
        try (FakeOpenAi fake = FakeOpenAi.http().start();
             BrokerProcess broker = BrokerProcess.start(env("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY, "OPENAI_BASE_URL", fake.rootUrl() + suffix))) {
            Client client = new Client(broker);
            assertEquals(fake.rootUrl(), json(client.get("/api/health", null)).path("base").asText());
            JsonNode mint = json(client.post("/api/session", "{}"));
            assertEquals(fake.rootUrl(), mint.path("base").asText());
            assertEquals(fake.rootUrl() + "/v1/realtime/calls", mint.path("calls_url").asText());
            assertTrue(mint.path("ws_url").asText().startsWith("ws://127.0.0.1:" + fake.port() + "/v1/realtime?model="));
            assertEquals(1, fake.requestsTo("/v1/realtime/client_secrets").size());
        }
    }

    @Test
    void withoutAKeyTheBrokerServesAndSaysNoKey() {
        try (FakeOpenAi fake = FakeOpenAi.http().start();
             BrokerProcess broker = BrokerProcess.start(env("OPENAI_BASE_URL", fake.baseUrl()))) {
            Client client = new Client(broker);
            assertFalse(json(client.get("/api/health", null)).path("keyed").asBoolean(true));
            assertRefusal(client.post("/api/session", "{}"), 503, "no_key");
            assertRefusal(client.post("/api/sample", "{\"voice\":\"marin\"}"), 503, "no_key");
            assertRefusal(client.post("/api/session", "{\"key\":\"sk-test-browser-key-000000\"}"), 400, "key_from_browser");
            assertEquals(0, fake.requests().stream().filter(r -> r.method().equals("POST")).count(), "nothing was sent upstream");
        }
    }

    @Test
    void mintsPerMinuteAreCappedWithRetryAfter() {
        try (FakeOpenAi fake = FakeOpenAi.http().start();
             BrokerProcess broker = BrokerProcess.start(env("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY,
                     "OPENAI_BASE_URL", fake.baseUrl(), "VOICE_CALLS_PER_MINUTE", "2"))) {
            Client client = new Client(broker);
            assertEquals(200, client.post("/api/session", "{}").statusCode());
            assertEquals(200, client.post("/api/session", "{}").statusCode());
            var limited = client.post("/api/session", "{}");
            assertRefusal(limited, 429, "rate_limited");
            assertTrue(Integer.parseInt(limited.headers().firstValue("retry-after").orElse("0")) >= 1);
            assertEquals(2, fake.requestsTo("/v1/realtime/client_secrets").size());
        }
    }

    @Test
    void theKeyAppearsInNoArgvResponseOrLog() throws Exception {
        try (FakeOpenAi fake = FakeOpenAi.http().start();
             BrokerProcess broker = BrokerProcess.start(env("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY, "OPENAI_BASE_URL", fake.baseUrl()))) {
            Client client = new Client(broker);
            StringBuilder everything = new StringBuilder();
            everything.append(client.get("/api/health", null).body());
            everything.append(client.post("/api/session", "{}").body());
            everything.append(client.post("/api/session", "{\"key\":\"x\"}").body());
            String cmdline = Files.readString(Path.of("/proc/" + broker.pid() + "/cmdline"), StandardCharsets.ISO_8859_1);
            assertTrue(cmdline.contains("serve"), "read the real process's argv: " + cmdline);
            assertFalse(cmdline.contains(FakeOpenAi.DEFAULT_KEY), "not in argv");
            assertFalse(everything.toString().contains(FakeOpenAi.DEFAULT_KEY), "not in any response");
            assertFalse(broker.stdout().contains(FakeOpenAi.DEFAULT_KEY) || broker.stderr().contains(FakeOpenAi.DEFAULT_KEY), "not in the log");
            assertFalse(broker.stderr().contains(client.token()), "the token is not in the log either");
            assertFalse(Files.readString(client.runtimeFilePath()).contains(FakeOpenAi.DEFAULT_KEY), "not in the runtime file");
        }
    }

    @Test
    void theRuntimeFileIsPrivateAndGoneAfterStop() throws Exception {
        BrokerProcess broker = BrokerProcess.start(env());
        Client client = new Client(broker);
        Path file = client.runtimeFilePath();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        JsonNode contents = client.runtimeFile();
        assertEquals(broker.pid(), contents.path("pid").asLong());
        assertTrue(contents.path("token").asText().length() >= 43);
        assertFalse(contents.path("fingerprint").asText().isEmpty());
        broker.stop();
        assertFalse(Files.exists(file), "removed on a clean stop");
    }

    @Test
    void anotherLocalUserCanReadNeitherTheRuntimeFileNorTheBrokersEnvironment() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(env("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY))) {
            Path file = new Client(broker).runtimeFilePath();
            Map<String, String> readAsNobody = new HashMap<>();
            for (String target : List.of(file.toString(), "/proc/" + broker.pid() + "/environ")) {
                Process cat = new ProcessBuilder("runuser", "-u", "nobody", "--", "cat", target).redirectErrorStream(true).start();
                assertTrue(cat.waitFor(10, TimeUnit.SECONDS));
                String output = new String(cat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                readAsNobody.put(target, output);
                assertNotEquals(0, cat.exitValue(), "nobody read " + target + ": " + output);
                assertTrue(output.contains("Permission denied"), output);
            }
            assertTrue(readAsNobody.values().stream().noneMatch(o -> o.contains(FakeOpenAi.DEFAULT_KEY)));
        }
    }

    @Test
    void aNonLoopbackPeerIsRefusedEvenWhenTheTestBindListensOnEveryAddress() throws Exception {
        InetAddress own = ownNonLoopbackAddress();
        try (FakeOpenAi fake = FakeOpenAi.http().start();
             BrokerProcess broker = BrokerProcess.start(env("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY, "OPENAI_BASE_URL", fake.baseUrl(),
                     "VOICE_BIND", "0.0.0.0", "VOICE_UNSAFE_TEST_BIND", "1"))) {
            Client client = new Client(broker);
            RawHttp.Response response = RawHttp.client().bindTo(own).send(own.getHostAddress(), broker.port(),
                    RawHttp.request("POST", "/api/session").header("Host", "localhost:" + broker.port())
                            .header("Origin", Client.ORIGIN).header("Authorization", "Bearer " + client.token())
                            .header("Content-Type", "application/json").header("X-Forwarded-For", "127.0.0.1").body("{}"));
            assertEquals(403, response.status(), response.body());
            assertEquals("non_loopback", response.json().path("error").asText());
            assertEquals(0, fake.requestsTo("/v1/realtime/client_secrets").size());
            assertEquals(200, client.post("/api/session", "{}").statusCode(), "a loopback peer still mints");
            broker.awaitStderr("UNSAFE: LISTENING BEYOND LOOPBACK on [0.0.0.0]", Duration.ofSeconds(5));
            JsonNode runtime = new ObjectMapper().readTree(broker.runtimeDir().resolve("broker-" + broker.port() + ".json").toFile());
            assertEquals("[\"0.0.0.0\"]", runtime.path("beyond_loopback").toString(), "voice status reads this: " + runtime);
        }
    }

    @Test
    void anEnvFileCannotOpenTheBrokerToTheNetworkOrWidenWhereTheKeyGoes(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        for (String line : List.of("VOICE_UNSAFE_TEST_BIND=1\nVOICE_BIND=0.0.0.0", "export VOICE_BIND=127.0.0.1",
                "VOICE_ALLOWED_BASE_HOSTS=attacker.example\nOPENAI_BASE_URL=https://attacker.example/v1")) {
            Files.writeString(dir.resolve(".env"), line + "\n");
            BrokerProcess.Result result = BrokerProcess.builder().workDir(dir).env(env("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY)).args("serve").run();
            assertEquals(2, result.exitCode(), line + ": " + result.stderr());
            assertTrue(result.stderr().contains("env_file_not_allowed"), result.stderr());
            assertFalse(result.stdout().contains("ready"), "never ready");
        }
    }

    /** The machine's own non-loopback IPv4 address; every machine this suite runs on has one (eth0). */
    private static InetAddress ownNonLoopbackAddress() throws IOException {
        for (NetworkInterface nic : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : java.util.Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                    return address;
                }
            }
        }
        throw new AssertionError("this test needs a non-loopback IPv4 address on the machine; none is up");
    }
}
