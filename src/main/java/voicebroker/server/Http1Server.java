package voicebroker.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.DefaultConnectionReuseStrategy;
import org.apache.hc.core5.http.impl.io.HttpService;
import org.apache.hc.core5.http.io.HttpMessageParserFactory;
import org.apache.hc.core5.http.io.support.BasicHttpServerExpectationDecorator;
import org.apache.hc.core5.http.protocol.HttpProcessor;
import org.apache.hc.core5.http.protocol.HttpProcessorBuilder;
import org.apache.hc.core5.http.protocol.ResponseConnControl;
import org.apache.hc.core5.http.protocol.ResponseContent;
import org.apache.hc.core5.http.protocol.ResponseDate;
import voicebroker.config.Limits;
import voicebroker.deadline.Deadlines;
import voicebroker.log.Log;
import voicebroker.pipeline.Chain;

/**
 * The broker's HTTP/1.1 server: HttpCore 5's classic connection and protocol handling (parsing, framing, keep-alive,
 * chunked bodies) under the broker's own sockets, threads and clocks. One listener thread per address accepts;
 * each connection gets a thread from one pool for as long as it is open, and every request on it runs the
 * pipeline on that thread, so a mint is one thread from the client's bytes to the upstream's answer. The bounds
 * are the broker's: connections per listener (more are closed at once, never queued), the request head's size, the
 * time to read a request and to answer it, and idle keep-alive; see {@link ClientConnection} and {@link RequestHead}.
 */
public final class Http1Server implements AutoCloseable {
    /** The head of one request may be this many times the header limit the pipeline answers {@code 431} for. */
    private static final int HEAD_LIMIT_FACTOR = 8;
    private final List<ServerSocket> sockets;
    private final ExecutorService threads;
    private final Deadlines deadlines;

    private Http1Server(List<ServerSocket> sockets, ExecutorService threads, Deadlines deadlines) {
        this.sockets = sockets;
        this.threads = threads;
        this.deadlines = deadlines;
    }

    /** Binds {@code port} on every address and serves {@code pipeline}; a port in use is a {@link java.net.BindException}. */
    public static Http1Server start(List<InetAddress> addresses, int port, Limits limits, Chain pipeline) throws IOException {
        return start(addresses, port, limits, pipeline, ServerTimes.ANSWER_TIME);
    }

    /** As {@link #start(List, int, Limits, Chain)}, with the time an answer may take to send. */
    static Http1Server start(List<InetAddress> addresses, int port, Limits limits, Chain pipeline, Duration answerTime) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (InetAddress address : addresses) {
                sockets.add(new ServerSocket(port, 64, address));
            }
        } catch (IOException e) {
            sockets.forEach(Http1Server::closeQuietly);
            throw e;
        }
        ExecutorService threads = threadPool(limits.workerThreads(), limits.maxConnections() * sockets.size());
        Http1Server server = new Http1Server(sockets, threads, new Deadlines("broker-deadlines", 250));
        Protocol protocol = Protocol.of(limits, pipeline, answerTime);
        for (ServerSocket socket : sockets) {
            Thread listener = new Thread(() -> server.accept(socket, limits.maxConnections(), protocol),
                    "broker-listener-" + socket.getLocalPort());
            listener.start(); // not a daemon: a serving broker's process lives until the server is closed
        }
        return server;
    }

    /** What every connection shares: HttpCore's protocol handling around the pipeline, and the server's limits. */
    private record Protocol(HttpService service, Http1Config config, HttpMessageParserFactory<ClassicHttpRequest> heads,
                            ServerTimes times, int readTimeoutMillis) {

        static Protocol of(Limits limits, Chain pipeline, Duration answerTime) {
            int head = limits.maxHeaderBytes() * HEAD_LIMIT_FACTOR;
            Http1Config config = Http1Config.custom().setMaxLineLength(head).setMaxHeaderCount(head / 4).build();
            return new Protocol(service(pipeline), config, RequestHead.parser(config, head), ServerTimes.of(limits, answerTime),
                    (int) limits.maxRequestTime().toMillis());
        }

        /** Date, framing and keep-alive headers only: no {@code Server} header naming the library and its version. */
        private static HttpService service(Chain pipeline) {
            HttpProcessor responses = HttpProcessorBuilder.create()
                    .addAll(new ResponseDate(), new ResponseContent(), new ResponseConnControl()).build();
            return new ProtocolRefusals(responses, new BasicHttpServerExpectationDecorator(new PipelineHandler(pipeline)),
                    DefaultConnectionReuseStrategy.INSTANCE);
        }
    }

    private void accept(ServerSocket listener, int maxConnections, Protocol protocol) {
        AtomicInteger open = new AtomicInteger();
        while (!listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException closed) {
                return;
            }
            if (open.incrementAndGet() > maxConnections) {
                open.decrementAndGet();
                closeQuietly(socket); // over the cap: shed at once, so a flood cannot queue ahead of the dashboard
                continue;
            }
            try {
                threads.execute(connection(socket, protocol, open::decrementAndGet));
            } catch (IOException | RejectedExecutionException e) {
                open.decrementAndGet();
                closeQuietly(socket);
            }
        }
    }

    private ClientConnection connection(Socket socket, Protocol protocol, Runnable onClose) throws IOException {
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(protocol.readTimeoutMillis());
        LingeringConnection http = new LingeringConnection(socket, protocol.config(), protocol.heads());
        return new ClientConnection(socket, http, deadlines.watch(() -> closeQuietly(socket)), protocol.times(), protocol.service(), onClose);
    }

    /**
     * A thread per open connection, {@code warm} of them kept between connections; the rest end after 5 s idle.
     * The connection caps bound the count, so a task over it cannot happen, and would only close its connection.
     */
    private static ExecutorService threadPool(int warm, int max) {
        AtomicInteger count = new AtomicInteger();
        return new ThreadPoolExecutor(warm, Math.max(warm, max), 5, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "broker-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public List<InetSocketAddress> addresses() {
        List<InetSocketAddress> addresses = new ArrayList<>(sockets.size());
        for (ServerSocket socket : sockets) { // a loop, not a stream: the readiness line waits for this
            addresses.add((InetSocketAddress) socket.getLocalSocketAddress());
        }
        return List.copyOf(addresses);
    }

    @Override
    public void close() {
        sockets.forEach(Http1Server::closeQuietly);
        threads.shutdownNow();
        deadlines.close();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing is all that is left to do
        }
    }
}
