package voicebroker.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading the kernel's socket tables, from lines in the exact format Linux prints (little-endian words). */
class PeerUserTest {
    private static final String HEAD4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    private static final String HEAD6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    // The broker listens on 127.0.0.1:8099 (1FA3) and [::1]:8099.
    private static final String TCP = HEAD4
            + "   0: 0100007F:1FA3 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 92989 1 0000000039ad73b3 100 0 0 10 0\n"
            + "   1: 0100007F:1FA3 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 94001 1 0000000000000000 20 4 30 10 -1\n"
            + "   2: 0100007F:D431 0100007F:1FA3 01 00000000:00000000 00:00000000 00000000 65534        0 94000 1 0000000000000000 20 4 30 10 -1\n"
            + "   3: 0100007F:D432 0100007F:1FA3 01 00000000:00000000 00:00000000 00000000  1000        0 94002 1 0000000000000000 20 4 30 10 -1\n"
            + "   4: 0100007F:D433 0100007F:1FA3 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n"
            + "   5: 0100007F:D433 0100007F:1FA3 01 00000000:00000000 00:00000000 00000000  1000        0 94003 1 0000000000000000 20 4 30 10 -1\n"
            + "   6: 0200007F:D434 0100007F:1FA3 01 00000000:00000000 00:00000000 00000000  1000        0 94004 1 0000000000000000 20 4 30 10 -1\n";
    private static final String TCP6 = HEAD6
            + "   0: 00000000000000000000000001000000:1FA3 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 92988 1 000000006058ccca 100 0 0 10 0\n"
            + "   1: 00000000000000000000000001000000:C350 00000000000000000000000001000000:1FA3 01 00000000:00000000 00:00000000 00000000  1000        0 95000 1 0000000000000000 20 4 30 10 -1\n"
            + "   2: 00000000000000000000000001000000:C351 00000000000000000000000001000000:1FA3 01 00000000:00000000 00:00000000 00000000 65534        0 95001 1 0000000000000000 20 4 30 10 -1\n"
            + "   3: 0000000000000000FFFF00000100007F:C352 0000000000000000FFFF00000100007F:1FA3 01 00000000:00000000 00:00000000 00000000  1000        0 95002 1 0000000000000000 20 4 30 10 -1\n";

    @TempDir
    Path proc;

    private PeerUser tables(String tcp, String tcp6) throws Exception {
        if (tcp != null) {
            Files.writeString(proc.resolve("tcp"), tcp);
        }
        if (tcp6 != null) {
            Files.writeString(proc.resolve("tcp6"), tcp6);
        }
        return new PeerUser(proc);
    }

    private static InetSocketAddress at(String address, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(address), port);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "an IPv4 caller is found by its own socket, not the broker's accepted one | 127.0.0.1       | 54321 | 127.0.0.1       | 65534",
            "another IPv4 caller on the next port is another user                    | 127.0.0.1       | 54322 | 127.0.0.1       | 1000",
            "a TIME_WAIT leftover of the same addresses never decides                | 127.0.0.1       | 54323 | 127.0.0.1       | 1000",
            "another loopback address with the same port is a different socket      | 127.0.0.2       | 54324 | 127.0.0.1       | 1000",
            "an IPv6 caller is read from tcp6, four little-endian words              | ::1             | 50000 | ::1             | 1000",
            "an IPv6 caller of another user                                          | ::1             | 50001 | ::1             | 65534",
            "a dual-stack caller shows in tcp6 as ::ffff:127.0.0.1                   | 127.0.0.1       | 50002 | 127.0.0.1       | 1000",
            "the same, when the server saw the mapped address                        | ::ffff:127.0.0.1 | 50002 | ::ffff:127.0.0.1 | 1000",
    })
    void findsTheOwnerOfTheCallersSocket(String rule, String peer, int port, String local, int uid) throws Exception {
        assertEquals(OptionalInt.of(uid), tables(TCP, TCP6).uidOf(at(peer, port), at(local, 8099)), rule);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a port with no socket (the caller went away)                      | 127.0.0.1 | 60000 | 8099",
            "a socket connected to another port is not a caller of this broker | 127.0.0.1 | 54321 | 8098",
            "a listening socket is nobody's connection                         | ::1       | 8099  | 8099",
    })
    void findsNoOwnerWhereThereIsNoSuchConnection(String rule, String peer, int port, int localPort) throws Exception {
        assertEquals(OptionalInt.empty(), tables(TCP, TCP6).uidOf(at(peer, port), at(peer, localPort)), rule);
    }

    @Test
    void ipv4CallersAreFoundInEitherTableWhicheverWasLookedAtFirst() throws Exception {
        PeerUser users = tables(TCP, TCP6);
        for (int round = 0; round < 2; round++) {
            assertEquals(OptionalInt.of(1000), users.uidOf(at("127.0.0.1", 50002), at("127.0.0.1", 8099)), "dual-stack, in tcp6");
            assertEquals(OptionalInt.of(65534), users.uidOf(at("127.0.0.1", 54321), at("127.0.0.1", 8099)), "IPv4 socket, in tcp");
            assertEquals(OptionalInt.of(1000), users.uidOf(at("127.0.0.1", 50002), at("127.0.0.1", 8099)), "dual-stack again");
            assertEquals(OptionalInt.empty(), users.uidOf(at("127.0.0.1", 60000), at("127.0.0.1", 8099)), "in neither");
        }
    }

    @Test
    void withoutTheTablesThePlatformIsNotSupported() throws Exception {
        PeerUser none = tables(null, null);
        assertFalse(none.supported());
        assertEquals(OptionalInt.empty(), none.uidOf(at("127.0.0.1", 54321), at("127.0.0.1", 8099)));
        assertTrue(tables(TCP, null).supported());
    }

    @Test
    void theGuardRefusesAnotherUserAndAnUnknownOwnerAndLetsTheSameUserThrough() throws Exception {
        PeerUser users = tables(TCP, TCP6);
        SameUserGuard guard = new SameUserGuard(users, OptionalInt.of(1000));
        assertTrue(guard.check(at("127.0.0.1", 54322), at("127.0.0.1", 8099)).isEmpty(), "the same user");
        assertEquals("foreign_user", guard.check(at("127.0.0.1", 54321), at("127.0.0.1", 8099)).orElseThrow().code().code(), "nobody");
        assertEquals("foreign_user", guard.check(at("127.0.0.1", 60000), at("127.0.0.1", 8099)).orElseThrow().code().code(), "no owner found");
        SameUserGuard elsewhere = new SameUserGuard(new PeerUser(proc.resolve("absent")), OptionalInt.of(1000));
        assertFalse(elsewhere.judges(), "macOS, Windows: no tables, no judgement (the token and the dashboard token stand)");
    }

    @Test
    void theSystemTablesFindThisProcessAsTheOwnerOfARealConnection() throws Exception {
        try (var server = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             var client = new java.net.Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             var accepted = server.accept()) {
            OptionalInt uid = PeerUser.system().uidOf((InetSocketAddress) accepted.getRemoteSocketAddress(),
                    (InetSocketAddress) accepted.getLocalSocketAddress());
            assertEquals(SameUserGuard.processUid(), uid);
        }
    }
}
