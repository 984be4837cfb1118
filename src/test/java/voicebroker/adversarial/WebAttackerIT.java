package voicebroker.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static voicebroker.adversarial.Answers.assertNoCors;
import static voicebroker.adversarial.Answers.assertRefusal;
import static voicebroker.adversarial.Answers.assertSafeHeaders;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import voicebroker.testkit.RawHttp;

/**
 * Attacks from a web page the user happens to visit (threat model: "any web page", "another local web origin").
 * A page can make the browser send simple requests to localhost, rebind its own DNS name onto 127.0.0.1, aim at
 * 0.0.0.0, and send preflights; every request here is what such a browser would put on the wire, sent raw so
 * nothing is normalised away. Each case asserts the refusal and what must not happen: no upstream call, no CORS
 * grant to the foreign page, nothing of the health answer in the body.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebAttackerIT {
    private static final String ATTACKER = "https://attacker.example";
    private static final String JSON_BODY = "{\"voice\":\"marin\"}";
    private Arena arena;
    private int port;

    @BeforeAll
    void start() {
        arena = Arena.start();
        port = arena.port();
    }

    @AfterAll
    void stop() {
        arena.close();
    }

    @BeforeEach
    void clean() {
        arena.fake.clear();
    }

    @AfterEach
    void theDashboardStillMints() {
        arena.fake.clear();
        arena.assertMints("after the attack");
    }

    /** Nothing but the broker's own connection warm-up (a HEAD without a body, sent once at start) reached the upstream. */
    private void assertNothingUpstream() {
        var sent = arena.fake.requestsMatching(r -> !r.method().equals("HEAD"));
        assertEquals(0, sent.size(), "nothing reached the upstream: " + sent);
    }

    /** Every route and method a rebinding page might try, with everything else about the request right. */
    private List<RawHttp.Request> everyRouteWithHost(String host) {
        return List.of(
                RawHttp.request("GET", "/api/health").header("Host", host).header("Origin", Arena.ORIGIN),
                RawHttp.request("GET", "/api/health").header("Host", host),
                RawHttp.request("POST", "/api/session").header("Host", host).header("Origin", Arena.ORIGIN)
                        .header("Authorization", "Bearer " + arena.token).header("Content-Type", "application/json").body(JSON_BODY),
                RawHttp.request("POST", "/api/sample").header("Host", host).header("Origin", Arena.ORIGIN)
                        .header("Authorization", "Bearer " + arena.token).header("Content-Type", "application/json").body(JSON_BODY),
                RawHttp.request("POST", "/api/tts").header("Host", host).header("Origin", Arena.ORIGIN)
                        .header("Authorization", "Bearer " + arena.token).header("Content-Type", "application/json").body("{\"input\":\"hi\"}"),
                RawHttp.request("OPTIONS", "/api/session").header("Host", host).header("Origin", Arena.ORIGIN)
                        .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "authorization,content-type"),
                RawHttp.request("GET", "/api/no-such-route").header("Host", host));
    }

    private void assertHostRefused(String host) {
        for (RawHttp.Request request : everyRouteWithHost(host)) {
            RawHttp.Response response = arena.send(request);
            int status = response.status();
            assertTrue(status == 403 || status == 400, host + " → " + response);
            assertRefusal(response, status, "bad_host");
            assertNoCors(response);
            assertFalse(response.body().contains("keyed"), "nothing of health leaks to " + host);
        }
        assertNothingUpstream();
    }

    @Test
    void dnsRebindingWithAMatchingOriginIsRefusedOnEveryRouteBeforeRouting() {
        for (String host : List.of("rebind.attacker.example:" + port, "attacker.example", "rebind.attacker.example:80",
                "127.0.0.1.nip.io:" + port, "localtest.me:" + port)) {
            assertHostRefused(host);
        }
    }

    @Test
    void zeroAddressTrailingDotsAndLookalikeHostsAreRefused() {
        for (String host : List.of("0.0.0.0:" + port, "0:" + port, "[::]:" + port, "localhost.:" + port, "localhost..:" + port,
                "127.0.0.1.:" + port, "localhost.attacker.example:" + port, "attacker-localhost:" + port, "localhost-:" + port,
                "locaIhost:" + port, "xn--localhost-:" + port, "localhost:" + port + "@attacker.example", "localhost:" + port + ".",
                "localhost%2e:" + port, "localhost:" + port + " attacker.example", "l\u043ecalhost:" + port, "")) {
            assertHostRefused(host);
        }
    }

    @Test
    void otherSpellingsOfLoopbackAndOtherPortsAreRefused() {
        for (String host : List.of("127.1:" + port, "127.0.1:" + port, "2130706433:" + port, "0x7f000001:" + port,
                "0x7f.0.0.1:" + port, "0177.0.0.1:" + port, "127.000.000.001:" + port, "127.0.0.2:" + port,
                "[::ffff:127.0.0.1]:" + port, "[0:0:0:0:0:0:0:1]:" + port, "[::0001]:" + port, "[::1%25lo]:" + port,
                "localhost", "127.0.0.1", "[::1]", "localhost:0" + port, "localhost:" + port + "0", "localhost:80",
                "localhost:" + (port == 65535 ? port - 1 : port + 1), "::1:" + port)) {
            assertHostRefused(host);
        }
    }

    @Test
    void theBrokersOwnNamesAreAcceptedIncludingCaseWhichDnsIgnores() {
        for (String host : List.of("localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port, "LOCALHOST:" + port)) {
            RawHttp.Response response = arena.send(RawHttp.request("GET", "/api/health").header("Host", host));
            assertEquals(200, response.status(), host + " → " + response);
            assertSafeHeaders(response);
        }
    }

    @Test
    void absoluteFormTargetsAreRefusedEvenWhenTheyNameTheBroker() {
        for (String target : List.of("http://localhost:" + port + "/api/health", "http://127.0.0.1:" + port + "/api/session",
                "HTTP://LOCALHOST:" + port + "/api/session", "http://attacker.example/api/session", "https://localhost:" + port + "/api/session",
                "http://localhost:" + port + "@attacker.example/api/session")) {
            RawHttp.Response response = arena.send(arena.legit("POST", target, JSON_BODY));
            assertRefusal(response, 400, "bad_host");
            assertNoCors(response);
        }
        RawHttp.Response schemeRelative = arena.send(arena.legit("POST", "//attacker.example/api/session", JSON_BODY));
        assertRefusal(schemeRelative, 404, "not_found");
        assertNothingUpstream();
    }

    /**
     * Targets that are not paths at all ("*", authority-form, relative) never reach the broker's handler: the JDK
     * server finds no context for them and answers its own fixed 404 page (which reflects nothing of the request)
     * or closes. They are refused all the same, grant nothing, and the broker keeps serving.
     */
    @Test
    void nonPathTargetsAreRefusedByTheServerBeforeAnyRoute() {
        for (String target : List.of("*", "api/session", "localhost:" + port, "attacker.example:443")) {
            RawHttp.Response response = arena.send(arena.legit("POST", target, JSON_BODY));
            assertTrue(response.receivedNothing() || response.status() == 404 || response.status() == 400, target + " → " + response);
            assertNoCors(response);
            assertFalse(response.body().contains(target), "nothing of the request is reflected: " + response.body());
        }
        for (String target : List.of("*", "localhost:" + port)) {
            RawHttp.Response response = arena.send(arena.request("OPTIONS", target).header("Origin", Arena.ORIGIN)
                    .header("Access-Control-Request-Method", "POST"));
            assertTrue(response.receivedNothing() || response.status() >= 400, target + " → " + response);
            assertNoCors(response);
        }
        assertNothingUpstream();
    }

    @Test
    void crossSiteFormPostsNeverMint() {
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")) {
            // A form on the attacker's page, posted across sites: the browser sends its Origin.
            RawHttp.Response withOrigin = arena.send(arena.request("POST", "/api/session").header("Origin", ATTACKER)
                    .header("Content-Type", type).header("Sec-Fetch-Site", "cross-site").header("Sec-Fetch-Mode", "navigate")
                    .header("Sec-Fetch-Dest", "document").body(JSON_BODY));
            assertRefusal(withOrigin, 403, "forbidden_origin");
            assertNoCors(withOrigin);
            // Some browsers drop Origin on navigations; fetch metadata still says where it came from.
            RawHttp.Response withoutOrigin = arena.send(arena.request("POST", "/api/session").header("Content-Type", type)
                    .header("Sec-Fetch-Site", "cross-site").header("Sec-Fetch-Mode", "navigate").body(JSON_BODY));
            assertRefusal(withoutOrigin, 403, "forbidden_origin");
            // An old browser with neither: a form cannot add the token header, so the gate stops it.
            RawHttp.Response bare = arena.send(arena.request("POST", "/api/session").header("Content-Type", type).body(JSON_BODY));
            assertRefusal(bare, 401, "missing_token");
        }
        assertNothingUpstream();
    }

    @Test
    void noCorsFetchesAndBeaconsNeverMint() {
        // navigator.sendBeacon(url, string) and fetch(url, {mode: "no-cors", method: "POST", body}).
        for (String origin : List.of(ATTACKER, "null", "http://localhost:3000")) {
            RawHttp.Response beacon = arena.send(arena.request("POST", "/api/session").header("Origin", origin)
                    .header("Content-Type", "text/plain;charset=UTF-8").header("Sec-Fetch-Mode", "no-cors")
                    .header("Sec-Fetch-Dest", "empty").header("Sec-Fetch-Site", "cross-site").body(JSON_BODY));
            assertRefusal(beacon, 403, "forbidden_origin");
            assertNoCors(beacon);
            RawHttp.Response noCorsRead = arena.send(arena.request("GET", "/api/health").header("Origin", origin)
                    .header("Sec-Fetch-Mode", "no-cors").header("Sec-Fetch-Site", "cross-site"));
            assertRefusal(noCorsRead, 403, "forbidden_origin");
            assertFalse(noCorsRead.body().contains("keyed"));
        }
        // A same-site page on another port sends Sec-Fetch-Site: same-site, and no-cors GETs carry no Origin.
        RawHttp.Response sameSite = arena.send(arena.request("GET", "/api/health").header("Sec-Fetch-Mode", "no-cors")
                .header("Sec-Fetch-Site", "same-site").header("Sec-Fetch-Dest", "empty"));
        assertRefusal(sameSite, 403, "forbidden_origin");
        assertNothingUpstream();
    }

    @Test
    void nullLocalAndLookalikeOriginsAreRefusedOnReadsWritesAndPreflights() {
        List<String> origins = List.of("null", "file://", "http://localhost", "http://localhost:3000", "http://localhost:8081",
                "http://127.0.0.1:5174", "http://[::1]:5173", "https://localhost:5173", "http://localhost:5173/",
                "http://localhost:5173.attacker.example", "http://attacker.example.localhost:5173", "http://localhost:51730",
                "http://localhost:05173", "http://user@localhost:5173", "HTTP://LOCALHOST:5173", "http://LOCALHOST:5173",
                "http://localhost:5173 http://attacker.example", "http://localhost:5173,http://attacker.example",
                "http://attacker.example#http://localhost:5173", "ttp://localhost:5173", "http://localhost:517", "chrome-extension://abc",
                "http://xn--localhost-:5173");
        for (String origin : origins) {
            RawHttp.Response read = arena.send(arena.request("GET", "/api/health").header("Origin", origin));
            assertRefusal(read, 403, "forbidden_origin");
            assertNoCors(read);
            assertFalse(read.body().contains("keyed"), origin);
            RawHttp.Response write = arena.send(arena.request("POST", "/api/session").header("Origin", origin)
                    .header("Authorization", "Bearer " + arena.token).header("Content-Type", "application/json").body(JSON_BODY));
            assertRefusal(write, 403, "forbidden_origin");
            assertNoCors(write);
            RawHttp.Response preflight = arena.send(arena.request("OPTIONS", "/api/session").header("Origin", origin)
                    .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "authorization,content-type"));
            assertRefusal(preflight, 403, "forbidden_origin");
            assertNoCors(preflight);
        }
        RawHttp.Response twoOrigins = arena.send(arena.request("POST", "/api/session").header("Origin", Arena.ORIGIN)
                .header("Origin", ATTACKER).header("Authorization", "Bearer " + arena.token).header("Content-Type", "application/json").body(JSON_BODY));
        assertRefusal(twoOrigins, 403, "forbidden_origin");
        assertNoCors(twoOrigins);
        assertNothingUpstream();
    }

    @Test
    void preflightsAskingForMoreMethodsOrHeadersAreRefusedWithoutGrants() {
        String[][] asks = {
            {"PUT", "authorization,content-type"}, {"post", "authorization"}, {"GET", ""}, {"PATCH", ""}, {"CONNECT", ""},
            {"POST", "authorization,content-type,cookie"}, {"POST", "x-forwarded-for"}, {"POST", "authorization, x-requested-with"},
            {"POST", "Authorization,Content-Type,X-Api-Key"}, {"POST", "authorization,,*"},
        };
        for (String[] ask : asks) {
            RawHttp.Request request = arena.request("OPTIONS", "/api/session").header("Origin", Arena.ORIGIN)
                    .header("Access-Control-Request-Method", ask[0]);
            if (!ask[1].isEmpty()) {
                request.header("Access-Control-Request-Headers", ask[1]);
            }
            RawHttp.Response response = arena.send(request);
            assertTrue(response.status() == 405 || response.status() == 400, ask[0] + " " + ask[1] + " → " + response);
            assertRefusal(response, response.status(), response.status() == 405 ? "method_not_allowed" : "invalid_request");
            assertNull(response.header("Access-Control-Allow-Methods"), "no methods granted");
            assertNull(response.header("Access-Control-Allow-Headers"), "no headers granted");
        }
        RawHttp.Response splitAsk = arena.send(arena.request("OPTIONS", "/api/session").header("Origin", Arena.ORIGIN)
                .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "authorization")
                .header("Access-Control-Request-Headers", "x-evil"));
        assertRefusal(splitAsk, 400, "invalid_request");
        RawHttp.Response noMethod = arena.send(arena.request("OPTIONS", "/api/session").header("Origin", Arena.ORIGIN));
        assertRefusal(noMethod, 405, "method_not_allowed");
        RawHttp.Response healthAsPost = arena.send(arena.request("OPTIONS", "/api/health").header("Origin", Arena.ORIGIN)
                .header("Access-Control-Request-Method", "POST"));
        assertRefusal(healthAsPost, 405, "method_not_allowed");
        RawHttp.Response granted = arena.send(arena.request("OPTIONS", "/api/session").header("Origin", Arena.ORIGIN)
                .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "Authorization, Content-Type"));
        assertEquals(204, granted.status(), granted.toString());
        assertEquals(Arena.ORIGIN, granted.header("Access-Control-Allow-Origin"));
        assertEquals("POST", granted.header("Access-Control-Allow-Methods"));
        assertSafeHeaders(granted);
        assertNothingUpstream();
    }

    @Test
    void privateNetworkAccessPreflightsAreGrantedOnlyToTheDashboard() {
        for (String origin : List.of(ATTACKER, "null", "http://localhost:3000")) {
            RawHttp.Response foreign = arena.send(arena.request("OPTIONS", "/api/session").header("Origin", origin)
                    .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "authorization,content-type")
                    .header("Access-Control-Request-Private-Network", "true"));
            assertRefusal(foreign, 403, "forbidden_origin");
            assertNoCors(foreign);
        }
        RawHttp.Response rebound = arena.send(RawHttp.request("OPTIONS", "/api/session").header("Host", "rebind.attacker.example:" + port)
                .header("Origin", Arena.ORIGIN).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Private-Network", "true"));
        assertRefusal(rebound, 403, "bad_host");
        assertNoCors(rebound);
        RawHttp.Response askingMore = arena.send(arena.request("OPTIONS", "/api/session").header("Origin", Arena.ORIGIN)
                .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "authorization,x-evil")
                .header("Access-Control-Request-Private-Network", "true"));
        assertRefusal(askingMore, 400, "invalid_request");
        assertNull(askingMore.header("Access-Control-Allow-Private-Network"));
        RawHttp.Response dashboard = arena.send(arena.request("OPTIONS", "/api/session").header("Origin", Arena.ORIGIN)
                .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "authorization,content-type")
                .header("Access-Control-Request-Private-Network", "true"));
        assertEquals(204, dashboard.status(), dashboard.toString());
        assertEquals("true", dashboard.header("Access-Control-Allow-Private-Network"));
        RawHttp.Response notAsked = arena.send(arena.request("OPTIONS", "/api/session").header("Origin", Arena.ORIGIN)
                .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Private-Network", "false"));
        assertEquals(204, notAsked.status());
        assertNull(notAsked.header("Access-Control-Allow-Private-Network"));
        assertNothingUpstream();
    }

    @Test
    void webSocketAndOtherUpgradesAreNeverSwitched() {
        String[][] upgrades = {{"websocket", ATTACKER}, {"websocket", Arena.ORIGIN}, {"h2c", null}, {"websocket", null}};
        for (String path : List.of("/api/session", "/api/health", "/api/ws", "/v1/realtime")) {
            for (String[] upgrade : upgrades) {
                RawHttp.Request request = arena.request("GET", path).header("Connection", "Upgrade").header("Upgrade", upgrade[0])
                        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==").header("Sec-WebSocket-Version", "13")
                        .header("HTTP2-Settings", "AAMAAABkAAQAoAAAAAIAAAAA");
                if (upgrade[1] != null) {
                    request.header("Origin", upgrade[1]);
                }
                try (RawHttp.Connection connection = RawHttp.client().open("127.0.0.1", port)) {
                    RawHttp.Response response = arena.record(connection.exchange(request));
                    assertNotEquals(101, response.status(), path + " " + upgrade[0] + " → " + response);
                    assertNull(response.header("Sec-WebSocket-Accept"));
                    assertNull(response.header("Upgrade"));
                    assertSafeHeaders(response);
                    if (ATTACKER.equals(upgrade[1])) {
                        assertRefusal(response, 403, "forbidden_origin");
                    }
                    // Still HTTP on the same connection: nothing switched protocols.
                    RawHttp.Response next = arena.record(connection.exchange(arena.request("GET", "/api/health")));
                    assertTrue(next.status() == 200 || next.receivedNothing(), "after an upgrade attempt: " + next);
                }
            }
        }
        assertNothingUpstream();
    }

    @Test
    void xssiStyleGetsFindNothingAScriptTagCouldRun() {
        // <script src="http://localhost:PORT/api/health"> from a foreign page: no Origin, fetch metadata says so.
        for (String dest : List.of("script", "style", "image", "iframe", "object")) {
            RawHttp.Response response = arena.send(arena.request("GET", "/api/health").header("Sec-Fetch-Dest", dest)
                    .header("Sec-Fetch-Mode", "no-cors").header("Sec-Fetch-Site", "cross-site").header("Referer", ATTACKER + "/page"));
            assertRefusal(response, 403, "forbidden_origin");
            assertFalse(response.body().contains("keyed"));
        }
        // A browser that sends no fetch metadata still gets JSON that is never script: JSON type, nosniff, CORP.
        RawHttp.Response plain = arena.send(arena.request("GET", "/api/health"));
        assertEquals(200, plain.status());
        assertSafeHeaders(plain);
        assertEquals("application/json; charset=utf-8", plain.header("Content-Type"));
        assertTrue(plain.body().startsWith("{\""), "an object literal, which is a syntax error as a script: " + plain.body());
        RawHttp.Response jsonp = arena.send(arena.request("GET", "/api/health?callback=steal&jsonp=steal"));
        assertEquals(plain.body(), jsonp.body(), "no JSONP: the query changes nothing");
        for (String target : List.of("/api/session", "/api/sample", "/api/tts", "/api/nothing", "/")) {
            RawHttp.Response refused = arena.send(arena.request("GET", target));
            assertTrue(refused.status() == 404 || refused.status() == 405, target + " → " + refused);
            assertSafeHeaders(refused);
            assertEquals("application/json; charset=utf-8", refused.header("Content-Type"));
        }
        assertNothingUpstream();
    }
}
