package voicebroker.startvoice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import voicebroker.launcher.LaunchException;

/**
 * Every decision of {@code /__start_voice}. Each refusal test starts from a request that is accepted (see
 * {@link #aValidRequestStartsTheBrokerOnce}) and breaks exactly one thing, then checks the refusal's code and
 * that no broker was started: with the check under test removed, the request would be accepted and the test
 * would fail.
 */
class StartVoiceHandlerTest {
    private static final String ORIGIN = "http://localhost:5173";
    private static final String HOST = "localhost:5173";
    private static final String TOKEN_HEADER = "X-Dashboard-Token";
    private static final String DASHBOARD_TOKEN = "dashboard-token-0123456789abcdefghijklmnop";
    private static final StartVoiceHandler.Settings SETTINGS = new StartVoiceHandler.Settings(
            List.of(ORIGIN, "http://127.0.0.1:5173"), Set.of(HOST, "127.0.0.1:5173"), Optional.empty(), Optional.empty());

    /** These cases are about the other checks; the caller's OS user has its own test, StartCallerTest. */
    private static final StartCaller THIS_USER = (socket, dashboardTokenConfigured) -> Optional.empty();

    @TempDir
    Path temp;

    /** Counts starts and remembers the origins it was given; answers like a real start. */
    private static final class CountingStarter implements StartVoiceHandler.Starter {
        final List<List<String>> calls = new ArrayList<>();
        LaunchException failure;
        RuntimeException crash;

        @Override
        public StartVoiceHandler.Started start(List<String> allowedOrigins, String pageOrigin) throws LaunchException {
            calls.add(allowedOrigins);
            if (failure != null) {
                throw failure;
            }
            if (crash != null) {
                throw crash;
            }
            return new StartVoiceHandler.Started("http://127.0.0.1:8099", "broker-token-abcdefghijklmnopqrstuvwxyz012345", true, false);
        }
    }

    private final CountingStarter starter = new CountingStarter();

    private static Map<String, List<String>> validHeaders() {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Host", List.of(HOST));
        headers.put("Origin", List.of(ORIGIN));
        headers.put("Content-Type", List.of("application/json"));
        headers.put("Sec-Fetch-Site", List.of("same-origin"));
        return headers;
    }

    private StartVoiceHandler.Response send(Consumer<Map<String, List<String>>> changeHeaders, String method, String body) {
        return send(SETTINGS, changeHeaders, method, body);
    }

    private StartVoiceHandler.Response send(StartVoiceHandler.Settings settings, Consumer<Map<String, List<String>>> changeHeaders,
                                            String method, String body) {
        Map<String, List<String>> headers = validHeaders();
        changeHeaders.accept(headers);
        return new StartVoiceHandler(settings, starter, THIS_USER).handle(new StartVoiceHandler.Request(loopback(), method, headers,
                body.getBytes(StandardCharsets.UTF_8), false));
    }

    private StartVoiceHandler.Response sendBody(String body) {
        return send(headers -> { }, "POST", body);
    }

    private StartVoiceHandler.Response sendHeaders(Consumer<Map<String, List<String>>> changeHeaders) {
        return send(changeHeaders, "POST", "{}");
    }

    private void assertRefused(StartVoiceHandler.Response response, int status, String code) {
        assertEquals(status, response.status(), () -> "body: " + response.body());
        assertEquals(code, response.body().get("error"), () -> "body: " + response.body());
        assertFalse(String.valueOf(response.body().get("hint")).isBlank(), "every refusal says how to fix it");
        assertFalse(response.body().containsKey("token"), "a refusal never carries the broker token");
        assertEquals("no-store", response.headers().get("Cache-Control"));
        assertEquals(List.of(), starter.calls, "a refused request must not start a broker");
    }

    private static InetAddress loopback() {
        return InetAddress.getLoopbackAddress();
    }

    // ---- accepted ----------------------------------------------------------------------------------------------

    @Test
    void aValidRequestStartsTheBrokerOnce() {
        StartVoiceHandler.Response response = sendBody("{}");

        assertEquals(200, response.status(), () -> "body: " + response.body());
        assertEquals(true, response.body().get("ok"));
        assertEquals("http://127.0.0.1:8099", response.body().get("url"));
        assertEquals("broker-token-abcdefghijklmnopqrstuvwxyz012345", response.body().get("token"));
        assertEquals(true, response.body().get("keyed"));
        assertEquals(false, response.body().get("already"));
        assertEquals("no-store", response.headers().get("Cache-Control"));
        assertEquals(List.of(List.of(ORIGIN, "http://127.0.0.1:5173")), starter.calls,
                "one start, with the dev server's own origins as the broker's allowed origins");
    }

    @Test
    void anEmptyBodyAndAnIpv4MappedLoopbackPeerAreAccepted() throws Exception {
        Map<String, List<String>> headers = validHeaders();
        StartVoiceHandler.Response response = new StartVoiceHandler(SETTINGS, starter, THIS_USER).handle(new StartVoiceHandler.Request(
                InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1}),
                "POST", headers, new byte[0], false));
        assertEquals(200, response.status(), () -> "body: " + response.body());
        assertEquals(1, starter.calls.size());
    }

    @Test
    void withoutFetchMetadataAnAllowedOriginIsEnough() {
        StartVoiceHandler.Response response = sendHeaders(headers -> headers.remove("Sec-Fetch-Site"));
        assertEquals(200, response.status(), () -> "body: " + response.body());
    }

    // ---- peer, Host, method --------------------------------------------------------------------------------------

    @Test
    void refusesAPeerThatIsNotLoopback() throws Exception {
        StartVoiceHandler.Response response = new StartVoiceHandler(SETTINGS, starter, THIS_USER).handle(new StartVoiceHandler.Request(
                InetAddress.getByName("192.0.2.10"), "POST", validHeaders(), "{}".getBytes(StandardCharsets.UTF_8), false));
        assertRefused(response, 403, "non_loopback");
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil.example:5173", "localhost:3000", "localhost", "0.0.0.0:5173", "localhost.:5173", "attacker.test"})
    void refusesAForeignHost(String host) {
        assertRefused(sendHeaders(headers -> headers.put("Host", List.of(host))), 403, "bad_host");
    }

    @Test
    void refusesAMissingOrDuplicatedHost() {
        assertRefused(sendHeaders(headers -> headers.remove("Host")), 400, "bad_host");
        assertRefused(sendHeaders(headers -> headers.put("Host", List.of(HOST, HOST))), 400, "bad_host");
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "PUT", "OPTIONS", "HEAD", "post"})
    void refusesAnyMethodButPost(String method) {
        StartVoiceHandler.Response response = send(headers -> { }, method, "");
        assertRefused(response, 405, "method_not_allowed");
        assertEquals("POST", response.headers().get("Allow"));
    }

    // ---- Origin and fetch metadata ---------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:3000", "null", "http://localhost:5173/", "http://localhost:51730", "https://localhost:5173",
            "http://evil.example", "http://LOCALHOST:5173", "file://"})
    void refusesAnOriginThatIsNotExactlyTheDevServers(String origin) {
        assertRefused(sendHeaders(headers -> headers.put("Origin", List.of(origin))), 403, "forbidden_origin");
    }

    @Test
    void refusesAMissingOriginEvenWhenFetchMetadataSaysSameOrigin() {
        assertRefused(sendHeaders(headers -> headers.remove("Origin")), 403, "forbidden_origin");
    }

    @Test
    void refusesTwoOrigins() {
        assertRefused(sendHeaders(headers -> headers.put("Origin", List.of(ORIGIN, "http://evil.example"))), 403, "forbidden_origin");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cross-site", "same-site", "none"})
    void refusesFetchMetadataThatIsNotSameOrigin(String site) {
        assertRefused(sendHeaders(headers -> headers.put("Sec-Fetch-Site", List.of(site))), 403, "forbidden_origin");
    }

    // ---- content type and body -------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain; application/json"})
    void refusesBodiesThatAreNotDeclaredJson(String contentType) {
        assertRefused(sendHeaders(headers -> headers.put("Content-Type", List.of(contentType))), 415, "unsupported_media_type");
    }

    @Test
    void refusesAMissingContentType() {
        assertRefused(sendHeaders(headers -> headers.remove("Content-Type")), 415, "unsupported_media_type");
    }

    @ParameterizedTest
    @ValueSource(strings = {"key", "apiKey", "api_key", "OPENAI_API_KEY", "authorization", "clientSecret"})
    void refusesAKeyFromTheBrowser(String field) {
        StartVoiceHandler.Response response = sendBody("{\"" + field + "\":\"sk-test-abcdefghijklmnopqrstuvwxyz\"}");
        assertRefused(response, 400, "key_from_browser");
        assertTrue(String.valueOf(response.body().get("hint")).contains("environment"), "the hint says where the key comes from");
        assertFalse(response.body().toString().contains("sk-test-abcdefghijklmnopqrstuvwxyz"), "the sent key is never echoed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "baseUrl", "OPENAI_BASE_URL", "args", "env", "port", "voice", "x"})
    void refusesAnyOtherField(String field) {
        StartVoiceHandler.Response response = sendBody("{\"" + field + "\":\"https://evil.example/v1\"}");
        assertRefused(response, 400, "invalid_request");
        assertEquals(field, response.body().get("field"));
        assertTrue(String.valueOf(response.body().get("hint")).contains("base come only from the dev server's environment or the broker's .env"));
    }

    @Test
    void refusesAFieldWhateverItsValue() {
        assertRefused(sendBody("{\"args\":[\"--inspect\"]}"), 400, "invalid_request");
        assertRefused(sendBody("{\"env\":{\"OPENAI_BASE_URL\":\"https://evil.example\"}}"), 400, "invalid_request");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"start\"", "null", "{", "{}{}", "{\"a\":1,\"a\":2}"})
    void refusesABodyThatIsNotOneJsonObject(String body) {
        StartVoiceHandler.Response response = sendBody(body);
        assertEquals(400, response.status(), () -> "body: " + response.body());
        assertTrue(Set.of("bad_json", "invalid_request").contains(response.body().get("error")), () -> "body: " + response.body());
        assertEquals(List.of(), starter.calls);
    }

    @Test
    void refusesABodyOverTheLimit() {
        assertRefused(sendBody("{" + " ".repeat(StartVoiceHandler.MAX_BODY_BYTES) + "}"), 413, "body_too_large");
        StartVoiceHandler.Response flagged = new StartVoiceHandler(SETTINGS, starter, THIS_USER).handle(new StartVoiceHandler.Request(loopback(),
                "POST", validHeaders(), new byte[0], true));
        assertRefused(flagged, 413, "body_too_large");
    }

    // ---- dashboard token -----------------------------------------------------------------------------------------------

    private StartVoiceHandler.Settings withToken() throws IOException {
        Path file = temp.resolve("dashboard.token");
        Files.writeString(file, DASHBOARD_TOKEN + "\n");
        return new StartVoiceHandler.Settings(SETTINGS.allowedOrigins(), SETTINGS.allowedHosts(), Optional.of(TOKEN_HEADER), Optional.of(file));
    }

    @Test
    void acceptsTheRightDashboardToken() throws IOException {
        StartVoiceHandler.Response response = send(withToken(), headers -> headers.put(TOKEN_HEADER, List.of(DASHBOARD_TOKEN)), "POST", "");
        assertEquals(200, response.status(), () -> "body: " + response.body());
        assertEquals(1, starter.calls.size());
    }

    @Test
    void refusesAMissingDashboardToken() throws IOException {
        assertRefused(send(withToken(), headers -> { }, "POST", ""), 401, "missing_token");
    }

    @Test
    void refusesTheTokenAnywhereButItsHeader() throws IOException {
        assertRefused(send(withToken(), headers -> headers.put("Authorization", List.of("Bearer " + DASHBOARD_TOKEN)), "POST", ""),
                401, "missing_token");
    }

    @Test
    void refusesAWrongOrDoubledDashboardToken() throws IOException {
        StartVoiceHandler.Settings settings = withToken();
        assertRefused(send(settings, headers -> headers.put(TOKEN_HEADER, List.of(DASHBOARD_TOKEN + "x")), "POST", ""), 401, "bad_token");
        assertRefused(send(settings, headers -> headers.put(TOKEN_HEADER, List.of(DASHBOARD_TOKEN.substring(1))), "POST", ""), 401, "bad_token");
        assertRefused(send(settings, headers -> headers.put(TOKEN_HEADER, List.of(DASHBOARD_TOKEN, DASHBOARD_TOKEN)), "POST", ""), 401, "bad_token");
    }

    @Test
    void throttlesWrongTokensButStillAcceptsTheRightOne() throws IOException {
        StartVoiceHandler handler = new StartVoiceHandler(withToken(), starter, THIS_USER);
        Map<String, List<String>> wrong = validHeaders();
        wrong.put(TOKEN_HEADER, List.of("guess"));
        StartVoiceHandler.Response last = null;
        for (int i = 0; i < 11; i++) {
            last = handler.handle(new StartVoiceHandler.Request(loopback(), "POST", wrong, new byte[0], false));
        }
        assertRefused(last, 429, "too_many_failures");
        assertTrue(last.headers().containsKey("Retry-After"));
        Map<String, List<String>> right = validHeaders();
        right.put(TOKEN_HEADER, List.of(DASHBOARD_TOKEN));
        assertEquals(200, handler.handle(new StartVoiceHandler.Request(loopback(), "POST", right, new byte[0], false)).status());
    }

    @Test
    void aTokenFileThatCannotBeReadStartsNothing() {
        StartVoiceHandler.Settings settings = new StartVoiceHandler.Settings(SETTINGS.allowedOrigins(), SETTINGS.allowedHosts(),
                Optional.of(TOKEN_HEADER), Optional.of(temp.resolve("missing.token")));
        StartVoiceHandler.Response response = send(settings, headers -> headers.put(TOKEN_HEADER, List.of(DASHBOARD_TOKEN)), "POST", "");
        assertEquals(500, response.status());
        assertEquals(List.of(), starter.calls);
    }

    // ---- launch outcomes ---------------------------------------------------------------------------------------------

    @Test
    void aPortHeldByAnotherProgramIsA409WithAHint() {
        starter.failure = LaunchException.portInUse(8099, "another program");
        StartVoiceHandler.Response response = sendBody("{}");
        assertEquals(409, response.status());
        assertEquals("port_in_use", response.body().get("error"));
        assertTrue(String.valueOf(response.body().get("hint")).contains("VOICE_PORT"));
        assertFalse(response.body().containsKey("token"));
    }

    @Test
    void launchFailuresMapToTheirStatus() {
        starter.failure = LaunchException.timeout("the broker did not report ready within 15 s", "look at the log");
        assertEquals(504, sendBody("{}").status());
        starter.failure = LaunchException.failed("the broker exited with code 2", "fix it");
        StartVoiceHandler.Response failed = sendBody("{}");
        assertEquals(500, failed.status());
        assertEquals("launch_failed", failed.body().get("error"));
    }

    @Test
    void anUnexpectedCrashIsA500WithoutTheKey() {
        starter.crash = new IllegalStateException("boom sk-test-abcdefghijklmnopqrstuvwxyz");
        StartVoiceHandler.Response response = sendBody("{}");
        assertEquals(500, response.status());
        assertEquals("launch_failed", response.body().get("error"));
        assertFalse(response.body().toString().contains("sk-test-abcdefghijklmnopqrstuvwxyz"));
    }

    // ---- settings --------------------------------------------------------------------------------------------------

    @Test
    void settingsRefuseOriginsAndHostsThatCouldNeverBeRight() {
        assertThrows(IllegalArgumentException.class, () -> new StartVoiceHandler.Settings(List.of("null"), Set.of(HOST), Optional.empty(), Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new StartVoiceHandler.Settings(List.of("*"), Set.of(HOST), Optional.empty(), Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new StartVoiceHandler.Settings(List.of(), Set.of(HOST), Optional.empty(), Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new StartVoiceHandler.Settings(List.of(ORIGIN), Set.of(), Optional.empty(), Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new StartVoiceHandler.Settings(List.of(ORIGIN), Set.of(HOST), Optional.of(TOKEN_HEADER), Optional.empty()));
    }
}
