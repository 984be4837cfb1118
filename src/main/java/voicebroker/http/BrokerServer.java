package voicebroker.http;

import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import voicebroker.config.BrokerConfig;
import voicebroker.guard.SameUserGuard;
import voicebroker.server.Http1Server;
import voicebroker.upstream.OpenAiClient;

/**
 * The broker: its pipeline ({@link BrokerHandler}) served on every configured loopback address by one
 * {@link Http1Server}. See DESIGN.md for why that server is HttpCore's protocol handling under the broker's own
 * sockets, threads and clocks.
 */
public final class BrokerServer implements AutoCloseable {
    private final Http1Server server;
    private final BrokerConfig config;
    private final Optional<OpenAiClient> upstream;

    private BrokerServer(Http1Server server, BrokerConfig config, Optional<OpenAiClient> upstream) {
        this.server = server;
        this.config = config;
        this.upstream = upstream;
    }

    /** Binds every configured address and starts serving; a port already in use is a {@link BindException}. */
    public static BrokerServer start(BrokerConfig config) throws IOException {
        return start(config, SameUserGuard.forThisProcess());
    }

    /** As {@link #start(BrokerConfig)}, with {@code sameUser} judging each connection's OS user. */
    static BrokerServer start(BrokerConfig config, SameUserGuard sameUser) throws IOException {
        Optional<OpenAiClient> upstream = config.apiKey().map(key -> new OpenAiClient(config, key));
        Http1Server server = Http1Server.start(config.bind(), config.port(), config.limits(),
                BrokerHandler.create(config, upstream, sameUser));
        return new BrokerServer(server, config, upstream);
    }

    /**
     * Builds the upstream client and opens its connection in the background, so the first mint pays for neither.
     * Called once the broker has said it is ready: this work is not on the way there.
     */
    public void warmUpstream() {
        upstream.ifPresent(client -> client.warmUp().exceptionally(error -> null));
    }

    /** The URL scripts and the launcher use: the IPv4 loopback when bound, else the first address. */
    public String url() {
        List<InetSocketAddress> addresses = addresses();
        InetSocketAddress chosen = addresses.get(0);
        for (InetSocketAddress candidate : addresses) { // a loop, not a stream: the readiness line waits for this
            if (candidate.getAddress() instanceof Inet4Address) {
                chosen = candidate;
                break;
            }
        }
        InetAddress address = chosen.getAddress();
        String host = address.isAnyLocalAddress() ? "127.0.0.1"
                : address instanceof Inet4Address ? address.getHostAddress() : "[" + address.getHostAddress() + "]";
        return "http://" + host + ":" + chosen.getPort();
    }

    public List<InetSocketAddress> addresses() {
        return server.addresses();
    }

    public BrokerConfig config() {
        return config;
    }

    @Override
    public void close() {
        server.close();
    }
}
