package voicebroker.guard;

import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.WeakHashMap;

/**
 * The owner of each open connection, read from the kernel's socket table once per connection instead of once per
 * request: a socket's owner is fixed when it is created, so every later request on it has the same answer. The key
 * is the server's object for the connection, never its addresses: once a page's connection closes, another user may
 * bind the same port and connect again, and that new socket is a new object that is looked up afresh. Keys are held
 * weakly, so a closed connection's entry goes when the server lets go of it. Only a found owner is kept; a caller
 * not found is looked up again on its next request (and refused each time).
 */
final class ConnectionOwners {
    private final PeerUser users;
    /** Keys compare by identity: the server's socket objects do not override {@code equals}. */
    private final Map<Object, Integer> owners = Collections.synchronizedMap(new WeakHashMap<>());

    ConnectionOwners(PeerUser users) {
        this.users = users;
    }

    OptionalInt uidOf(Optional<Object> socket, InetSocketAddress peer, InetSocketAddress local) {
        if (socket.isEmpty()) {
            return users.uidOf(peer, local);
        }
        Integer known = owners.get(socket.get());
        if (known != null) {
            return OptionalInt.of(known);
        }
        OptionalInt uid = users.uidOf(peer, local);
        uid.ifPresent(found -> owners.put(socket.get(), found));
        return uid;
    }
}
