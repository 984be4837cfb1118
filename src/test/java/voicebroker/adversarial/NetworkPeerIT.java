package voicebroker.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import voicebroker.testkit.RawHttp;

/**
 * Attacks from another host on the network (threat model: "a host on the network"). The peer is real: a network
 * namespace joined to this machine by a veth pair, so its packets arrive on a non-loopback interface with a
 * non-loopback source address, exactly as a neighbour's would. With the default bind it cannot even connect;
 * with the documented test bind on every address it connects and is refused on every request, whatever
 * forwarding headers it forges, also when its IPv4 address arrives IPv4-mapped on an IPv6 socket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkPeerIT {
    private Netns net;

    @BeforeAll
    void createPeer() {
        net = Netns.create();
        Report.line("network peer", "namespace " + net.namespace + ", peer " + net.peerAddress + " → " + net.hostAddress
                + (net.hostAddress6 == null ? " (no IPv6)" : ", " + net.peerAddress6 + " → " + net.hostAddress6));
    }

    @AfterAll
    void removePeer() {
        if (net != null) {
            net.close();
        }
    }

    /** The full dashboard request, token included, plus every header that claims the request came from loopback. */
    private static String forgedMint(Arena arena, String hostHeader) {
        String body = "{\"voice\":\"marin\"}";
        return "POST /api/session HTTP/1.1\r\nHost: " + hostHeader + "\r\nOrigin: " + Arena.ORIGIN
                + "\r\nAuthorization: Bearer " + arena.token + "\r\nContent-Type: application/json"
                + "\r\nX-Forwarded-For: 127.0.0.1\r\nForwarded: for=127.0.0.1;host=localhost;proto=http"
                + "\r\nX-Real-IP: 127.0.0.1\r\nX-Forwarded-Host: localhost\r\nX-Client-IP: ::1\r\nTrue-Client-IP: 127.0.0.1"
                + "\r\nConnection: close\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static String get(String path, String hostHeader, String origin) {
        return "GET " + path + " HTTP/1.1\r\nHost: " + hostHeader + (origin == null ? "" : "\r\nOrigin: " + origin)
                + "\r\nX-Forwarded-For: 127.0.0.1\r\nConnection: close\r\n\r\n";
    }

    private static void assertNonLoopback(Arena arena, Netns.Result result, String what) {
        assertEquals(0, result.exit(), what + ": the peer connected and got an answer: " + result.output());
        arena.scan("answer to a network peer", result.output());
        assertTrue(result.output().startsWith("HTTP/1.1 403"), what + " → " + result.output());
        assertTrue(result.output().contains("\"error\":\"non_loopback\""), what + " → " + result.output());
        assertFalse(result.output().toLowerCase(java.util.Locale.ROOT).contains("access-control-allow"), what + ": no CORS grant");
        assertFalse(result.output().contains("keyed"), what + ": nothing of health");
    }

    @Test
    void withTheDefaultBindANetworkPeerCannotEvenConnect() {
        try (Arena arena = Arena.start()) {
            Netns.Result v4 = net.httpFromPeer(net.hostAddress, arena.port(), get("/api/health", arena.host, null));
            assertEquals(7, v4.exit(), "the connection is refused: " + v4.output());
            assertTrue(v4.output().contains("refused"), v4.output());
            if (net.hostAddress6 != null) {
                Netns.Result v6 = net.httpFromPeer(net.hostAddress6, arena.port(), get("/api/health", arena.host, null));
                assertEquals(7, v6.exit(), "the connection is refused over IPv6 too: " + v6.output());
            }
            assertEquals(0, arena.upstreamMints());
            arena.assertMints("from loopback, while the peer was turned away");
        }
    }

    @Test
    void aPeerReachingTheTestBindIsRefusedWhateverItForges() {
        try (Arena arena = Arena.builder().env("VOICE_BIND", "0.0.0.0").env("VOICE_UNSAFE_TEST_BIND", "1").start()) {
            for (String hostHeader : List.of(arena.host, "127.0.0.1:" + arena.port(), "[::1]:" + arena.port())) {
                assertNonLoopback(arena, net.httpFromPeer(net.hostAddress, arena.port(), forgedMint(arena, hostHeader)), "mint " + hostHeader);
            }
            assertNonLoopback(arena, net.httpFromPeer(net.hostAddress, arena.port(), get("/api/health", arena.host, Arena.ORIGIN)), "health");
            assertNonLoopback(arena, net.httpFromPeer(net.hostAddress, arena.port(), get("/api/nothing", arena.host, null)), "unknown route");
            String preflight = "OPTIONS /api/session HTTP/1.1\r\nHost: " + arena.host + "\r\nOrigin: " + Arena.ORIGIN
                    + "\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Private-Network: true\r\nConnection: close\r\n\r\n";
            assertNonLoopback(arena, net.httpFromPeer(net.hostAddress, arena.port(), preflight), "preflight");
            assertEquals(0, arena.upstreamMints(), "the upstream heard nothing from the network peer");
            arena.assertMints("from loopback on the same listener");
        }
    }

    @Test
    void ipv4MappedPeersOnAnIpv6SocketAreJudgedByTheirRealAddress() {
        try (Arena arena = Arena.builder().env("VOICE_BIND", "::").env("VOICE_UNSAFE_TEST_BIND", "1").start()) {
            // The peer's IPv4 address arrives as ::ffff:a.b.c.d on the dual-stack socket: still not loopback.
            assertNonLoopback(arena, net.httpFromPeer(net.hostAddress, arena.port(), forgedMint(arena, arena.host)), "mapped IPv4 peer");
            if (net.hostAddress6 != null) {
                assertNonLoopback(arena, net.httpFromPeer(net.hostAddress6, arena.port(), forgedMint(arena, arena.host)), "IPv6 peer");
            }
            assertEquals(0, arena.upstreamMints());
            // And 127.0.0.1 arrives as ::ffff:127.0.0.1: unwrapped, it is loopback and mints.
            arena.assertMints("from 127.0.0.1, seen as ::ffff:127.0.0.1");
            RawHttp.Response fromV6Loopback = arena.record(RawHttp.client().send("::1", arena.port(),
                    arena.legit("POST", "/api/session", "{}")));
            assertEquals(200, fromV6Loopback.status(), fromV6Loopback.toString());
        }
        Assumptions.assumeTrue(net.hostAddress6 != null, "IPv6 is disabled here; the IPv4-mapped case above still ran");
    }

    @Test
    void aPeerBoundToTheSpecificNonLoopbackAddressIsRefusedToo() {
        try (Arena arena = Arena.builder().env("VOICE_BIND", net.hostAddress + ",127.0.0.1").env("VOICE_UNSAFE_TEST_BIND", "1").start()) {
            Netns.Result result = net.httpFromPeer(net.hostAddress, arena.port(), forgedMint(arena, arena.host));
            assertNonLoopback(arena, result, "peer to the veth address");
            // Even the machine itself calling its non-loopback address is not a loopback peer.
            RawHttp.Response self = arena.record(RawHttp.client().bindTo(net.hostAddress).send(net.hostAddress, arena.port(),
                    arena.legit("POST", "/api/session", "{}")));
            assertEquals(403, self.status(), self.toString());
            assertEquals("non_loopback", self.json().path("error").asText());
            assertNotEquals(0, arena.port());
            assertEquals(0, arena.upstreamMints());
            arena.assertMints("over 127.0.0.1");
        }
    }
}
