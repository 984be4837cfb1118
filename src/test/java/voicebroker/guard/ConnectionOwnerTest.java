package voicebroker.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The owner is kept per connection, never per address: a port reused by another user is judged afresh. */
class ConnectionOwnerTest {
    private static final String HEAD = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    // The caller at 127.0.0.1:40000 (9C40) -> the broker at 127.0.0.1:8099 (1FA3), owned by uid %d.
    private static final String LINE = "   0: 0100007F:9C40 0100007F:1FA3 01 00000000:00000000 00:00000000 00000000 %5d        0 1 1 0 20 4 30 10 -1\n";
    private static final InetSocketAddress CALLER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
    private static final InetSocketAddress BROKER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8099);

    @TempDir
    Path proc;

    private void ownedBy(int uid) throws Exception {
        Files.writeString(proc.resolve("tcp"), HEAD + String.format(LINE, uid));
    }

    @Test
    void aNewConnectionFromTheSamePortIsJudgedAfreshNotByTheOldOnesOwner() throws Exception {
        ownedBy(1000);
        PeerUser tables = new PeerUser(proc);
        SameUserGuard guard = new SameUserGuard(tables, OptionalInt.of(1000));
        Optional<ConnectionOwner> pages = Optional.of(new ConnectionOwner());
        assertTrue(guard.check(pages, CALLER, BROKER).isEmpty(), "the page's own connection is let through");
        long reads = tables.tableReads();
        assertTrue(guard.check(pages, CALLER, BROKER).isEmpty());
        assertEquals(reads, tables.tableReads(), "its next request is not read again");
        ownedBy(65534);
        Optional<ConnectionOwner> intruders = Optional.of(new ConnectionOwner());
        assertEquals("foreign_user", guard.check(intruders, CALLER, BROKER).orElseThrow().code().code(),
                "another user who binds the page's port after it closed is refused");
        assertEquals("foreign_user", guard.check(CALLER, BROKER).orElseThrow().code().code(),
                "without a connection's own owner every request is read");
    }

    @Test
    void aCallerWhoseOwnerIsUnknownIsLookedUpAgainAndRefusedEachTime() throws Exception {
        Files.writeString(proc.resolve("tcp"), HEAD);
        PeerUser tables = new PeerUser(proc);
        SameUserGuard guard = new SameUserGuard(tables, OptionalInt.of(1000));
        Optional<ConnectionOwner> connection = Optional.of(new ConnectionOwner());
        assertTrue(guard.check(connection, CALLER, BROKER).isPresent());
        long reads = tables.tableReads();
        assertTrue(guard.check(connection, CALLER, BROKER).isPresent());
        assertTrue(tables.tableReads() > reads, "a not-found owner is never remembered");
    }
}
