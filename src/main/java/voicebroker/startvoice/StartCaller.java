package voicebroker.startvoice;

import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.guard.SameUserGuard;

/**
 * Rule 9's "peer's OS user" for {@code /__start_voice}: only the user who runs the dev server may start the
 * broker or receive its token. Another local user can forge the dashboard's Host and Origin, so the caller is
 * judged by the kernel's record of who owns the connecting socket, which is why the dev server passes the
 * request's socket (both ends) along. Where the platform keeps no such record (macOS, Windows), the dashboard
 * token is the proof instead, and a launcher without one refuses every start.
 */
@FunctionalInterface
public interface StartCaller {

    /**
     * Both ends of the request's TCP connection, as the dev server's socket reports them, and the dev server's name
     * for that connection when it gives one: an id it never gives to another connection (the plugin's is a random
     * per-server prefix and a counter), so a verdict kept under it is about that live connection and nothing else.
     * Addresses and ports could not serve as that name: once a connection closes, another local user may bind the
     * same port.
     */
    record Socket(InetSocketAddress peer, InetSocketAddress local, Optional<String> connection) {
        public Socket(InetSocketAddress peer, InetSocketAddress local) {
            this(peer, local, Optional.empty());
        }
    }

    /**
     * Empty when the caller may start the broker: it is this process's user, or, where that cannot be known, a
     * dashboard token is configured (the token check then decides).
     */
    Optional<Refusal> check(Optional<Socket> socket, boolean dashboardTokenConfigured);

    /** The check against this process's own user. */
    static StartCaller thisProcess() {
        return sameUserAs(SameUserGuard.forThisProcess());
    }

    static StartCaller sameUserAs(SameUserGuard sameUser) {
        // Connections already found to be this user's: reading the kernel's socket table costs 0.3-2 ms, and a
        // page's clicks come over one kept-alive connection. Only "same user" is kept; a refusal is judged afresh.
        Set<String> ownConnections = Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > 1024;
            }
        }));
        return (socket, dashboardTokenConfigured) -> {
            if (!sameUser.judges()) {
                return dashboardTokenConfigured ? Optional.empty() : Optional.of(Refusal.of(ErrorCode.DASHBOARD_TOKEN_REQUIRED));
            }
            if (socket.isEmpty()) {
                return Optional.of(Refusal.of(ErrorCode.FOREIGN_USER, "The dev server did not pass the request's socket, so the caller's OS user is unknown.",
                        "Use the voice-broker dev server plugin from the same checkout as the broker (it passes the socket's ports)."));
            }
            Optional<String> connection = socket.get().connection();
            if (connection.isPresent() && ownConnections.contains(connection.get())) {
                return Optional.empty();
            }
            Optional<Refusal> verdict = sameUser.check(socket.get().peer(), socket.get().local());
            if (verdict.isEmpty()) {
                connection.ifPresent(ownConnections::add);
            }
            return verdict;
        };
    }
}
