package voicebroker.pipeline;

import java.net.InetSocketAddress;
import java.util.Optional;
import voicebroker.guard.ConnectionOwner;

/**
 * The two ends of the TCP connection a request came in on: who called ({@code remote}) and where ({@code local}),
 * and, where the server keeps one per connection, the {@link ConnectionOwner} in which the same-user check keeps what
 * the kernel said about the caller for as long as the connection is open. Two connections with the same addresses
 * one after the other have two different ones.
 */
public record Connection(InetSocketAddress remote, InetSocketAddress local, Optional<ConnectionOwner> owner) {
    /** A connection known only by its addresses: everything about its caller is looked up for each request. */
    public Connection(InetSocketAddress remote, InetSocketAddress local) {
        this(remote, local, Optional.empty());
    }
}
