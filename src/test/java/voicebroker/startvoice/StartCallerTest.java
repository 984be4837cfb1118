package voicebroker.startvoice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import voicebroker.error.Refusal;
import voicebroker.guard.PeerUser;
import voicebroker.guard.SameUserGuard;

/** Who may start the broker through /__start_voice: the dev server's own OS user, judged by the kernel's socket table. */
class StartCallerTest {
    // The dev server on 127.0.0.1:5173 (1435); a caller of uid 1000 on port 54321, one of uid 65534 on port 54322.
    private static final String TCP = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
            + "   0: 0100007F:D431 0100007F:1435 01 00000000:00000000 00:00000000 00000000  1000        0 94000 1 0000000000000000 20 4 30 10 -1\n"
            + "   1: 0100007F:D432 0100007F:1435 01 00000000:00000000 00:00000000 00000000 65534        0 94001 1 0000000000000000 20 4 30 10 -1\n";

    @TempDir
    Path proc;

    private StartCaller devServerOfUser(int uid) throws Exception {
        Files.writeString(proc.resolve("tcp"), TCP);
        return StartCaller.sameUserAs(new SameUserGuard(new PeerUser(proc), OptionalInt.of(uid)));
    }

    private static Optional<StartCaller.Socket> from(int port) throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        return Optional.of(new StartCaller.Socket(new InetSocketAddress(loopback, port), new InetSocketAddress(loopback, 5173)));
    }

    private static String code(Optional<Refusal> refusal) {
        return refusal.map(r -> r.code().code()).orElse("allowed");
    }

    @Test
    void onlyTheDevServersOwnUserMayStart() throws Exception {
        StartCaller caller = devServerOfUser(1000);
        assertEquals("allowed", code(caller.check(from(54321), false)), "the dev server's own user");
        assertEquals("foreign_user", code(caller.check(from(54322), false)), "another user, whatever headers it forged");
        assertEquals("foreign_user", code(caller.check(from(54322), true)), "a dashboard token does not make another user welcome");
        assertEquals("foreign_user", code(caller.check(from(60000), false)), "a socket with no owner found");
        assertEquals("foreign_user", code(caller.check(Optional.empty(), false)), "a host that did not pass the socket");
    }

    @Test
    void aConnectionFoundToBeTheDevServersUserIsNotLookedUpAgainButEveryOtherIs() throws Exception {
        Files.writeString(proc.resolve("tcp"), TCP);
        PeerUser users = new PeerUser(proc);
        StartCaller caller = StartCaller.sameUserAs(new SameUserGuard(users, OptionalInt.of(1000)));
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        var devServer = new InetSocketAddress(loopback, 5173);
        var page = Optional.of(new StartCaller.Socket(new InetSocketAddress(loopback, 54321), devServer, Optional.of("a:1")));

        assertEquals("allowed", code(caller.check(page, false)));
        long afterFirst = users.tableReads();
        assertEquals("allowed", code(caller.check(page, false)), "the page's next click on the same connection");
        assertEquals(afterFirst, users.tableReads(), "a kept-alive page's clicks read the socket table once");

        // The page's connection closed and another user bound its port: a new connection has a new name.
        var sameAddressNewConnection = Optional.of(new StartCaller.Socket(new InetSocketAddress(loopback, 54322), devServer, Optional.of("a:2")));
        assertEquals("foreign_user", code(caller.check(sameAddressNewConnection, false)), "a new connection is judged afresh");
        assertEquals("foreign_user", code(caller.check(sameAddressNewConnection, false)), "a refusal is never kept as a pass");
        assertTrue(users.tableReads() >= afterFirst + 2, "each judgement of the other connection read the table");

        var unnamed = Optional.of(new StartCaller.Socket(new InetSocketAddress(loopback, 54321), devServer));
        long beforeUnnamed = users.tableReads();
        assertEquals("allowed", code(caller.check(unnamed, false)));
        assertTrue(users.tableReads() > beforeUnnamed, "a host that names no connection (a Java host) is looked up every time");
    }

    @Test
    void whereTheOsUserCannotBeKnownADashboardTokenIsRequired() {
        StartCaller macOs = StartCaller.sameUserAs(new SameUserGuard(new PeerUser(proc.resolve("no-such-tables")), OptionalInt.of(501)));
        assertEquals("dashboard_token_required", code(macOs.check(Optional.empty(), false)));
        assertEquals("allowed", code(macOs.check(Optional.empty(), true)), "then the token check decides");
    }

    @Test
    void theHandlerRefusesAnotherUserBeforeStartingAnything() throws Exception {
        List<List<String>> starts = new java.util.ArrayList<>();
        StartVoiceHandler handler = new StartVoiceHandler(new StartVoiceHandler.Settings(List.of("http://127.0.0.1:5173"),
                Set.of("127.0.0.1:5173"), Optional.empty(), Optional.empty()), (origins, pageOrigin) -> {
                    starts.add(origins);
                    return new StartVoiceHandler.Started("http://127.0.0.1:8099", "broker-token-abcdefghijklmnopqrstuvwxyz012345", true, false);
                }, devServerOfUser(1000));
        Map<String, List<String>> headers = Map.of("host", List.of("127.0.0.1:5173"), "origin", List.of("http://127.0.0.1:5173"),
                "content-type", List.of("application/json"));
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        StartVoiceHandler.Response foreign = handler.handle(new StartVoiceHandler.Request(loopback, "POST", headers, new byte[0], false, from(54322)));
        assertEquals(403, foreign.status());
        assertEquals("foreign_user", foreign.body().get("error"));
        assertTrue(starts.isEmpty(), "nothing started for another user");
        StartVoiceHandler.Response own = handler.handle(new StartVoiceHandler.Request(loopback, "POST", headers, new byte[0], false, from(54321)));
        assertEquals(200, own.status());
        assertEquals(1, starts.size());
    }
}
