package voicebroker.startvoice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static voicebroker.testkit.Refusals.assertRefusal;
import static voicebroker.testkit.Refusals.assertSafeHeaders;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import voicebroker.guard.PeerUser;
import voicebroker.guard.SameUserGuard;
import voicebroker.testkit.Answer;

/**
 * The whole {@code /__start_voice} judge, in-process, one row per sentence of the threat model (rule 9 and the rules
 * it borrows from the broker): who asks, what they send, and what the judge answers. The judge runs with a dashboard
 * token and the real OS-user check over a socket table written here, so every step of its list has rows. Every
 * refusal is checked with the broker's one strict {@code assertRefusal}, and no refused row may start a broker; the
 * accepted rows show that the same request passes once the one thing wrong with it is fixed.
 */
class StartVoicePipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ORIGIN = "http://localhost:5173";
    private static final String TOKEN_HEADER = "X-Dashboard-Token";
    private static final String DASHBOARD_TOKEN = "dashboard-token-0123456789abcdefghijklmnop";
    private static final String BROKER_TOKEN = "broker-token-abcdefghijklmnopqrstuvwxyz012345";
    // The dev server on 127.0.0.1:5173 (1435) runs as uid 1000; port 54321 is a caller of uid 1000, 54322 of uid 65534.
    private static final String TCP = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
            + "   0: 0100007F:D431 0100007F:1435 01 00000000:00000000 00:00000000 00000000  1000        0 94000 1 0000000000000000 20 4 30 10 -1\n"
            + "   1: 0100007F:D432 0100007F:1435 01 00000000:00000000 00:00000000 00000000 65534        0 94001 1 0000000000000000 20 4 30 10 -1\n";

    @TempDir
    static Path temp;

    private StartVoiceHandler judge;
    private final List<String> starts = new ArrayList<>();

    @BeforeEach
    void judge() throws Exception {
        Files.writeString(temp.resolve("tcp"), TCP);
        Path tokenFile = Files.writeString(temp.resolve("dashboard.token"), DASHBOARD_TOKEN + "\n");
        StartVoiceHandler.Settings settings = new StartVoiceHandler.Settings(List.of(ORIGIN, "http://127.0.0.1:5173"),
                Set.of("localhost:5173", "127.0.0.1:5173"), Optional.of(TOKEN_HEADER), Optional.of(tokenFile));
        StartCaller devServerUser = StartCaller.sameUserAs(new SameUserGuard(new PeerUser(temp), OptionalInt.of(1000)));
        judge = new StartVoiceHandler(settings, (origins, pageOrigin) -> {
            starts.add(pageOrigin);
            return new StartVoiceHandler.Started("http://127.0.0.1:8099", BROKER_TOKEN, true, false);
        }, devServerUser);
    }

    /** A request as the dev server hands it over; starts as the dashboard page's own, from the dev server's user. */
    static final class Call {
        String peer = "127.0.0.1";
        String method = "POST";
        final Map<String, List<String>> headers = new LinkedHashMap<>();
        String body = "{}";
        boolean tooLarge;
        int callerPort = 54321;
        boolean socket = true;

        Call() {
            set("Host", "localhost:5173").set("Origin", ORIGIN).set("Content-Type", "application/json")
                    .set("Sec-Fetch-Site", "same-origin").set(TOKEN_HEADER, DASHBOARD_TOKEN);
        }

        /** Replaces a header ({@code null} removes it). */
        Call set(String name, String value) {
            headers.remove(name);
            if (value != null) {
                headers.put(name, new ArrayList<>(List.of(value)));
            }
            return this;
        }

        /** Adds one more value of a header. */
        Call header(String name, String value) {
            headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            return this;
        }

        Call method(String value) {
            method = value;
            return this;
        }

        Call body(String value) {
            body = value;
            return this;
        }

        Call peer(String value) {
            peer = value;
            return this;
        }

        Call fromPort(int port) {
            callerPort = port;
            return this;
        }

        Call noSocket() {
            socket = false;
            return this;
        }

        Call tooLarge() {
            tooLarge = true;
            body = "";
            return this;
        }

        StartVoiceHandler.Request request() throws UnknownHostException {
            InetAddress from = InetAddress.getByName(peer);
            InetAddress loopback = InetAddress.getByName("127.0.0.1");
            Optional<StartCaller.Socket> ends = socket ? Optional.of(new StartCaller.Socket(new InetSocketAddress(from, callerPort),
                    new InetSocketAddress(loopback, 5173))) : Optional.empty();
            return new StartVoiceHandler.Request(from, method, headers, body.getBytes(StandardCharsets.UTF_8), tooLarge, ends);
        }

        @Override
        public String toString() {
            return method + " " + StartVoiceHandler.PATH + " from " + peer + ":" + callerPort + " " + headers + " " + body;
        }
    }

    private static Call page() {
        return new Call();
    }

    private static Arguments row(String sentence, Call call, int status, String code) {
        return Arguments.of(sentence, call, status, code);
    }

    static Stream<Arguments> rows() {
        List<Arguments> rows = new ArrayList<>();
        rows.add(row("the dashboard page starts the broker and gets its token", page(), 200, null));
        rows.add(row("an empty body is as good as {}", page().body(""), 200, null));
        rows.add(row("a browser that sends no fetch metadata is judged by its exact Origin", page().set("Sec-Fetch-Site", null), 200, null));
        rows.add(row("the dev server's 127.0.0.1 spelling is the dashboard too",
                page().set("Host", "127.0.0.1:5173").set("Origin", "http://127.0.0.1:5173"), 200, null));

        // rule 1: loopback only
        rows.add(row("a host on the network is refused, every header right or not", page().peer("192.0.2.7"), 403, "non_loopback"));
        rows.add(row("a network peer does not become local by saying X-Forwarded-For: 127.0.0.1",
                page().peer("192.0.2.7").header("X-Forwarded-For", "127.0.0.1"), 403, "non_loopback"));

        // rule 2: Host, against DNS rebinding
        rows.add(row("a rebinding page sends its own name as Host and is refused",
                page().set("Host", "rebind.attacker.example:5173"), 403, "bad_host"));
        rows.add(row("the broker's own port is not the dev server's", page().set("Host", "localhost:8099"), 403, "bad_host"));
        rows.add(row("a request without Host is refused", page().set("Host", null), 400, "bad_host"));
        rows.add(row("two Host headers are refused", page().header("Host", "localhost:5173"), 400, "bad_host"));

        // the page starts the broker with POST only
        for (String method : List.of("GET", "PUT", "OPTIONS", "DELETE")) {
            rows.add(row(method + " starts nothing", page().method(method), 405, "method_not_allowed"));
        }

        // rule 9: only the dashboard page, by its exact Origin, with fetch from its own server
        rows.add(row("a script without Origin is not the dashboard, even when it says same-origin", page().set("Origin", null), 403,
                "forbidden_origin"));
        for (String origin : List.of("http://localhost:3000", "null", "http://localhost:5173.attacker.example", "https://localhost:5173",
                "http://localhost:5173/", "http://[::1]:5173")) {
            rows.add(row("the page at " + origin + " may not start the broker", page().set("Origin", origin), 403, "forbidden_origin"));
        }
        rows.add(row("two Origin headers are refused", page().header("Origin", ORIGIN), 403, "forbidden_origin"));
        for (String site : List.of("cross-site", "same-site", "none")) {
            rows.add(row("a " + site + " fetch is not the dashboard calling its own server", page().set("Sec-Fetch-Site", site), 403,
                    "forbidden_origin"));
        }
        rows.add(row("a foreign page is told forbidden_origin before any token is asked for",
                page().set("Origin", "http://localhost:3000").set(TOKEN_HEADER, null), 403, "forbidden_origin"));

        // rule 5: the dashboard token, from its one header, compared in constant time
        rows.add(row("a page without the dashboard token starts nothing", page().set(TOKEN_HEADER, null), 401, "missing_token"));
        rows.add(row("the dashboard token is taken from its own header only, not as a Bearer token",
                page().set(TOKEN_HEADER, null).set("Authorization", "Bearer " + DASHBOARD_TOKEN), 401, "missing_token"));
        rows.add(row("a wrong dashboard token starts nothing", page().set(TOKEN_HEADER, DASHBOARD_TOKEN + "x"), 401, "bad_token"));
        rows.add(row("a prefix of the dashboard token is wrong", page().set(TOKEN_HEADER, DASHBOARD_TOKEN.substring(1)), 401, "bad_token"));
        rows.add(row("two dashboard tokens are ambiguous and refused", page().header(TOKEN_HEADER, DASHBOARD_TOKEN), 401, "bad_token"));

        // rule 4: no simple-request CSRF
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")) {
            rows.add(row("a form post as " + type + " starts nothing", page().set("Content-Type", type), 415, "unsupported_media_type"));
        }
        rows.add(row("a post without Content-Type starts nothing", page().set("Content-Type", null), 415, "unsupported_media_type"));

        // rule 6: nothing from the browser shapes the launch, and a key is never taken from a page
        rows.add(row("a page that sends an API key is told keys never come from a browser",
                page().body("{\"apiKey\":\"sk-test-abcdefghijklmnopqrstuvwx\"}"), 400, "key_from_browser"));
        rows.add(row("a page may not choose the upstream base", page().body("{\"base\":\"http://attacker.example\"}"), 400, "invalid_request"));
        rows.add(row("a field given twice is ambiguous and refused", page().body("{\"a\":1,\"a\":2}"), 400, "bad_json"));
        rows.add(row("a body that is not an object is refused", page().body("[]"), 400, "bad_json"));
        rows.add(row("a body that is not JSON is refused", page().body("{"), 400, "bad_json"));
        rows.add(row("a body over the limit is refused unread", page().tooLarge(), 413, "body_too_large"));

        // rule 9: only the dev server's own OS user
        rows.add(row("another user of this machine, with every header forged right, starts nothing", page().fromPort(54322), 403,
                "foreign_user"));
        rows.add(row("a connection whose owner the kernel does not know starts nothing", page().fromPort(60000), 403, "foreign_user"));
        rows.add(row("a host that does not pass the socket cannot prove the caller's user", page().noSocket(), 403, "foreign_user"));
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void eachCallerGetsWhatTheThreatModelSays(String sentence, Call call, int status, String code) throws Exception {
        StartVoiceHandler.Response response = judge.handle(call.request());
        Answer answer = answer(response);
        if (code == null) {
            assertEquals(status, response.status(), answer.toString());
            assertSafeHeaders(answer);
            assertEquals(BROKER_TOKEN, response.body().get("token"), "the page gets the broker's token");
            assertEquals(List.of(call.headers.get("Origin").get(0)), starts, "one start, for the asking page");
        } else {
            assertRefusal(answer, status, code);
            assertFalse(answer.body().contains(BROKER_TOKEN), "a refusal never carries the broker token");
            assertFalse(answer.body().contains(DASHBOARD_TOKEN), "nor the dashboard token");
            assertEquals(List.of(), starts, "a refusal starts nothing");
        }
    }

    private static Answer answer(StartVoiceHandler.Response response) throws Exception {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(response.headers());
        return new Answer(response.status(), headers::get, JSON.writeValueAsString(response.body()),
                response.status() + " " + response.headers() + "\n" + response.body());
    }
}
