package voicebroker.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import voicebroker.config.BrokerConfig;
import voicebroker.config.Limits;
import voicebroker.guard.SameUserGuard;
import voicebroker.upstream.OpenAiClient;

/**
 * The broker's HTTP server: the JDK's {@code com.sun.net.httpserver}, one listener per loopback literal, all
 * sharing one handler and one bounded worker pool. See DESIGN.md for why the JDK server and not Jetty.
 */
public final class BrokerServer implements AutoCloseable {
    private final List<HttpServer> servers;
    private final ExecutorService workers;
    private final BrokerConfig config;
    private final Optional<OpenAiClient> upstream;

    private BrokerServer(List<HttpServer> servers, ExecutorService workers, BrokerConfig config, Optional<OpenAiClient> upstream) {
        this.servers = servers;
        this.workers = workers;
        this.config = config;
        this.upstream = upstream;
    }

    /**
     * Sets the JDK server's own bounds. They are read once, when the server classes load, so this must run
     * before the first server is created. Times are in seconds where the JDK reads seconds.
     */
    public static void configureJdkServer(Limits limits) {
        // The JDK's own server, named: without this the first server looks for providers in every jar on the class path.
        System.setProperty("com.sun.net.httpserver.HttpServerProvider", "sun.net.httpserver.DefaultHttpServerProvider");
        System.setProperty("sun.net.httpserver.nodelay", "true");
        System.setProperty("sun.net.httpserver.maxReqTime", Long.toString(limits.maxRequestTime().toSeconds()));
        System.setProperty("sun.net.httpserver.maxRspTime", "300");
        System.setProperty("sun.net.httpserver.idleInterval", Long.toString(limits.idleKeepAlive().toSeconds()));
        // As many idle keep-alive connections as connections: over this cap the JDK closes a connection right
        // after its answer without saying so, and a client that sends its next request on it gets no answer.
        System.setProperty("sun.net.httpserver.maxIdleConnections", Integer.toString(limits.maxConnections()));
        // The JDK refuses larger header sections by closing; up to this size we answer 431 ourselves.
        System.setProperty("sun.net.httpserver.maxReqHeaderSize", Integer.toString(limits.maxHeaderBytes() * 8));
        System.setProperty("jdk.httpserver.maxConnections", Integer.toString(limits.maxConnections()));
    }

    /** Binds every configured address and starts serving; a port already in use is a {@link BindException}. */
    public static BrokerServer start(BrokerConfig config) throws IOException {
        return start(config, SameUserGuard.forThisProcess());
    }

    /** As {@link #start(BrokerConfig)}, with {@code sameUser} judging each connection's OS user. */
    static BrokerServer start(BrokerConfig config, SameUserGuard sameUser) throws IOException {
        configureJdkServer(config.limits());
        Optional<OpenAiClient> upstream = config.apiKey().map(key -> new OpenAiClient(config, key));
        HttpServerAdapter handler = new HttpServerAdapter(BrokerHandler.create(config, upstream, sameUser));
        ExecutorService workers = workerPool(config.limits().workerThreads(),
                config.limits().maxConnections() * Math.max(1, config.bind().size()));
        List<HttpServer> servers = new ArrayList<>();
        try {
            for (InetAddress address : config.bind()) {
                HttpServer server = HttpServer.create(new InetSocketAddress(address, config.port()), 64);
                server.createContext("/", handler);
                server.setExecutor(workers);
                servers.add(server);
            }
        } catch (IOException e) {
            servers.forEach(s -> s.stop(0));
            workers.shutdownNow();
            throw e;
        }
        servers.forEach(HttpServer::start);
        return new BrokerServer(servers, workers, config, upstream);
    }

    /**
     * Builds the upstream client and opens its connection in the background, so the first mint pays for neither.
     * Called once the broker has said it is ready: this work is not on the way there.
     */
    public void warmUpstream() {
        upstream.ifPresent(client -> client.warmUp().exceptionally(error -> null));
    }

    /**
     * Up to one thread per connection: the JDK server reads each request's line, headers and (when a refusal
     * leaves it unread) body on these threads, so a small fixed pool let a handful of clients trickling bytes
     * (slowloris) stall every other caller for the whole request time. {@code coreThreads} stay warm; the rest
     * come and go. The connection cap (per listener) bounds the count; a task over it is rejected, which closes that connection.
     */
    private static ExecutorService workerPool(int coreThreads, int maxConnections) {
        AtomicInteger count = new AtomicInteger();
        return new ThreadPoolExecutor(coreThreads, Math.max(coreThreads, maxConnections), 5, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "broker-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The URL scripts and the launcher use: the IPv4 loopback when bound, else the first address. */
    public String url() {
        InetSocketAddress chosen = servers.stream().map(HttpServer::getAddress)
                .filter(a -> a.getAddress() instanceof Inet4Address).findFirst()
                .orElse(servers.get(0).getAddress());
        InetAddress address = chosen.getAddress();
        String host = address.isAnyLocalAddress() ? "127.0.0.1"
                : address instanceof Inet4Address ? address.getHostAddress() : "[" + address.getHostAddress() + "]";
        return "http://" + host + ":" + chosen.getPort();
    }

    public List<InetSocketAddress> addresses() {
        return servers.stream().map(HttpServer::getAddress).toList();
    }

    public BrokerConfig config() {
        return config;
    }

    @Override
    public void close() {
        servers.forEach(s -> s.stop(0));
        workers.shutdownNow();
    }
}
