package voicebroker.guard;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;

/**
 * Only the OS user who runs this process may call it. Another local user can forge every header on loopback,
 * so the caller is judged by the kernel's record of who owns the connecting socket ({@link PeerUser}). A
 * connection whose owner cannot be found is refused too. Where the platform keeps no such record, this guard
 * cannot judge and lets the request through: the broker's token still stands, and the launcher then requires
 * the dashboard token instead. The owner is read once per connection when the server keeps a
 * {@link ConnectionOwner} for it, else once per request.
 */
public final class SameUserGuard {
    private final PeerUser users;
    private final OptionalInt ownUid;
    /**
     * Set once the socket tables were found, so later requests do not ask the file system again. Only "found" is
     * kept: should a table become unreadable afterwards, reading it fails and the caller is refused, never let through.
     */
    private volatile boolean tablesFound;

    public SameUserGuard(PeerUser users, OptionalInt ownUid) {
        this.users = users;
        this.ownUid = ownUid;
    }

    /** The guard for this process, judged against the system's tables. */
    public static SameUserGuard forThisProcess() {
        return new SameUserGuard(PeerUser.system(), processUid());
    }

    /** True when this platform lets the guard judge; false on macOS and Windows. */
    public boolean judges() {
        if (ownUid.isEmpty()) {
            return false;
        }
        if (!tablesFound) {
            tablesFound = users.supported();
        }
        return tablesFound;
    }

    /** Judges one connection by its addresses alone, reading the socket table each time. */
    public Optional<Refusal> check(InetSocketAddress peer, InetSocketAddress local) {
        return check(Optional.empty(), peer, local);
    }

    /** Judges a connection; with its {@code owner} the owner found on its first request stands for the rest. */
    public Optional<Refusal> check(Optional<ConnectionOwner> owner, InetSocketAddress peer, InetSocketAddress local) {
        if (!judges()) {
            return Optional.empty();
        }
        OptionalInt uid = uidOf(owner, peer, local);
        if (uid.isPresent() && uid.getAsInt() == ownUid.getAsInt()) {
            return Optional.empty();
        }
        return Optional.of(Refusal.of(ErrorCode.FOREIGN_USER));
    }

    private OptionalInt uidOf(Optional<ConnectionOwner> owner, InetSocketAddress peer, InetSocketAddress local) {
        OptionalInt known = owner.isPresent() ? owner.get().known() : OptionalInt.empty();
        if (known.isPresent()) {
            return known;
        }
        OptionalInt found = users.uidOf(peer, local);
        owner.ifPresent(connection -> connection.remember(found));
        return found;
    }

    /** This process's effective uid, from {@code /proc/self/status}; empty where there is no {@code /proc}. */
    public static OptionalInt processUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return OptionalInt.of(Integer.parseInt(PeerUser.fields(line.substring(4))[1]));
                }
            }
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
        return OptionalInt.empty();
    }
}
