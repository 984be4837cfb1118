package voicebroker.pipeline;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * The two ends of the TCP connection a request came in on: who called ({@code remote}) and where ({@code local}),
 * and, where the server exposes it, the connection itself ({@code socket}): an object that stands for this one TCP
 * connection and no other, compared by identity, so what the kernel said about its owner can be kept as long as it
 * is open. Two connections with the same addresses one after the other are two different sockets.
 */
public record Connection(InetSocketAddress remote, InetSocketAddress local, Optional<Object> socket) {
    /** A connection known only by its addresses: everything about its caller is looked up for each request. */
    public Connection(InetSocketAddress remote, InetSocketAddress local) {
        this(remote, local, Optional.empty());
    }
}
