package voicebroker.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A faithful fake of the OpenAI endpoints the broker uses, on a real loopback socket:
 * <ul>
 *   <li>{@code POST /v1/realtime/client_secrets} checks the API key and the body against the contract, and mints
 *       {@code ek_...} secrets with a session echoing what was asked for;</li>
 *   <li>{@code POST /v1/audio/speech} streams fake audio in paced chunks;</li>
 *   <li>{@code POST /v1/realtime/calls} takes an SDP offer with a minted, unexpired secret, answers 201 with an
 *       SDP answer, and speaks CORS to browsers. By default the answer only mirrors the offer (signalling only);
 *       with {@link #withWebRtc()} a real WebRTC peer answers, completes ICE and DTLS, greets the browser on the
 *       {@code oai-events} channel with the session minted for that secret, and exchanges audio
 *       (see {@link #webRtcCalls()}).</li>
 * </ul>
 * It records every request (see {@link RecordedRequest}) and counts TCP connections, and a test can script
 * {@link Fault}s per path. Typical use:
 *
 * <pre>{@code
 * try (FakeOpenAi fake = FakeOpenAi.http().start()) {
 *     fake.faultNext("/realtime/client_secrets", 1, Fault.status(500));
 *     ... point the broker at fake.baseUrl() with key FakeOpenAi.DEFAULT_KEY ...
 *     assertEquals(2, fake.requestsTo("/realtime/client_secrets").size());
 *     assertEquals(List.of(), fake.contractViolations());
 * }
 * }</pre>
 *
 * Paths given to {@link #faultNext}, {@link #faultAlways} and {@link #requestsTo} may be full
 * ({@code /v1/audio/speech}) or relative to the base path ({@code /audio/speech}).
 * All methods are thread-safe and settings may change while it runs.
 */
public final class FakeOpenAi implements AutoCloseable {

    /** The API key the fake accepts unless told otherwise; long enough that a masked echo still shows its ends. */
    public static final String DEFAULT_KEY = "sk-test-abcdefghijklmnopqrstuvwxyz0123456789";

    private final SelfSignedCert certificate;
    private final FakeEndpoints endpoints = new FakeEndpoints(this);

    private volatile String basePath = "/v1";
    private volatile String expectedKey = DEFAULT_KEY;
    private volatile Duration latency = Duration.ZERO;
    private volatile long speechBytes = 8 * 1024;
    private volatile int speechChunkBytes = 1024;
    private volatile Duration speechChunkDelay = Duration.ZERO;
    private final Set<String> unavailableModels = ConcurrentHashMap.newKeySet();

    /** A queue, not a copy-on-write list: a benchmark records thousands a second, and each copy would be garbage. */
    private final Queue<RecordedRequest> requests = new ConcurrentLinkedQueue<>();
    private final AtomicLong requestSequence = new AtomicLong();
    private final AtomicLong connectionSequence = new AtomicLong();
    private final AtomicInteger connectionsAccepted = new AtomicInteger();
    private final AtomicInteger tlsHandshakeFailures = new AtomicInteger();
    /** Newest rule first, so a test can override a default rule set up earlier. */
    private final Deque<FaultRule> faultRules = new ConcurrentLinkedDeque<>();

    private final Set<Socket> openSockets = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final ExecutorService connectionThreads = Executors.newCachedThreadPool(daemonThreads());
    private volatile ServerSocket serverSocket;
    private boolean webRtc;
    private volatile WebRtcPeer webRtcPeer;

    private FakeOpenAi(SelfSignedCert certificate) {
        this.certificate = certificate;
    }

    /** A plain-HTTP fake (not started yet). */
    public static FakeOpenAi http() {
        return new FakeOpenAi(null);
    }

    /** An HTTPS fake presenting a self-signed certificate for localhost and 127.0.0.1 (not started yet). */
    public static FakeOpenAi https() {
        return https(SelfSignedCert.forNames("localhost", "127.0.0.1"));
    }

    /** An HTTPS fake presenting this certificate, e.g. one made for the wrong name. */
    public static FakeOpenAi https(SelfSignedCert certificate) {
        return new FakeOpenAi(Objects.requireNonNull(certificate));
    }

    /** Answers calls with a real WebRTC peer (a Node process, started with the fake) instead of a mirrored SDP. */
    public synchronized FakeOpenAi withWebRtc() {
        if (serverSocket != null) {
            throw new IllegalStateException("choose WebRTC before start()");
        }
        webRtc = true;
        return this;
    }

    // ---- lifecycle -------------------------------------------------------------------------------------------

    /** Listens on 127.0.0.1 on an ephemeral port. */
    public FakeOpenAi start() {
        return start(0);
    }

    /** Listens on 127.0.0.1 on this port (0 for any free one). */
    public synchronized FakeOpenAi start(int port) {
        if (serverSocket != null) {
            throw new IllegalStateException("already started on " + rootUrl());
        }
        try {
            ServerSocket socket = certificate == null ? new ServerSocket()
                    : certificate.serverContext().getServerSocketFactory().createServerSocket();
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 128);
            serverSocket = socket;
            if (webRtc) {
                webRtcPeer = WebRtcPeer.start();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
        Thread acceptor = new Thread(this::acceptLoop, "fake-openai-accept-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
        return this;
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket socket = serverSocket.accept();
                connectionsAccepted.incrementAndGet();
                openSockets.add(socket);
                connectionThreads.execute(new FakeConnection(this, socket, connectionSequence.incrementAndGet()));
            }
        } catch (SocketException closing) {
            // close() closed the server socket: the loop is meant to end here.
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops listening, drops every open connection (ending hung answers too). Safe to call twice. */
    @Override
    public void close() {
        closed.countDown();
        ServerSocket socket = serverSocket;
        if (socket != null) {
            closeQuietly(socket);
        }
        openSockets.forEach(FakeOpenAi::closeQuietly);
        connectionThreads.shutdownNow();
        WebRtcPeer peer = webRtcPeer;
        if (peer != null) {
            peer.close();
        }
    }

    public int port() {
        ServerSocket socket = serverSocket;
        if (socket == null) {
            throw new IllegalStateException("not started");
        }
        return socket.getLocalPort();
    }

    /** "http://127.0.0.1:PORT/v1" (https for the TLS variant): what OPENAI_BASE_URL would be in the SDK style. */
    public String baseUrl() {
        return rootUrl() + basePath;
    }

    /** "http://127.0.0.1:PORT": the old sidecar's style of base, without /v1. */
    public String rootUrl() {
        return (certificate == null ? "http" : "https") + "://127.0.0.1:" + port();
    }

    public boolean isHttps() {
        return certificate != null;
    }

    /** The certificate of the HTTPS variant, or null for plain HTTP. */
    public SelfSignedCert certificate() {
        return certificate;
    }

    // ---- settings --------------------------------------------------------------------------------------------

    /**
     * How many of the most recent secrets the fake remembers by default; older ones are forgotten like expired
     * ones. Far more than any test uses, and few enough that a benchmark's hundred thousand mints do not fill the
     * heap (a session tree is ~9 KiB, and a load generator sharing the fake's JVM would measure its own
     * collections instead of the broker).
     */
    public static final int REMEMBERED_SECRETS = 1024;

    /** Remembers at most the {@code atMost} most recent secrets (default {@link #REMEMBERED_SECRETS}). */
    public FakeOpenAi rememberSecrets(int atMost) {
        endpoints.rememberSecrets(atMost);
        return this;
    }

    /** The API key the fake accepts (default {@link #DEFAULT_KEY}). */
    public FakeOpenAi expectedKey(String key) {
        this.expectedKey = Objects.requireNonNull(key);
        return this;
    }

    public String expectedKey() {
        return expectedKey;
    }

    /** The prefix the endpoints live under (default "/v1"; "" serves them at the root). */
    public FakeOpenAi basePath(String path) {
        this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return this;
    }

    public String basePath() {
        return basePath;
    }

    /** A fixed delay before every answer, as a far-away upstream would have (benchmarks use 0 and 300 ms). */
    public FakeOpenAi latency(Duration delay) {
        this.latency = Objects.requireNonNull(delay);
        return this;
    }

    public Duration latency() {
        return latency;
    }

    /** Makes minting with this model answer 404 model_not_found, to exercise model fallback. */
    public FakeOpenAi modelUnavailable(String model) {
        unavailableModels.add(model);
        return this;
    }

    /** Undoes {@link #modelUnavailable(String)}. */
    public FakeOpenAi modelAvailable(String model) {
        unavailableModels.remove(model);
        return this;
    }

    public boolean isModelUnavailable(String model) {
        return unavailableModels.contains(model);
    }

    /** Size of the fake audio /audio/speech streams (default 8 KiB). */
    public FakeOpenAi speechBytes(long bytes) {
        this.speechBytes = bytes;
        return this;
    }

    /** How /audio/speech streams: {@code chunkBytes} per chunk, {@code delay} between chunks. */
    public FakeOpenAi speechChunks(int chunkBytes, Duration delay) {
        this.speechChunkBytes = Math.max(1, chunkBytes);
        this.speechChunkDelay = Objects.requireNonNull(delay);
        return this;
    }

    long speechBytes() {
        return speechBytes;
    }

    int speechChunkBytes() {
        return speechChunkBytes;
    }

    Duration speechChunkDelay() {
        return speechChunkDelay;
    }

    // ---- minted secrets --------------------------------------------------------------------------------------

    /** True for an ek_ secret this fake minted that has not expired. */
    public boolean isLiveSecret(String secret) {
        return endpoints.isLiveSecret(secret);
    }

    /** Every secret minted so far, with its expiry (epoch seconds). */
    public Map<String, Long> mintedSecrets() {
        return endpoints.mintedSecrets();
    }

    /** Expires every secret minted so far, so /realtime/calls refuses them without waiting. */
    public void expireSecrets() {
        endpoints.expireSecrets();
    }

    /**
     * Expires every secret minted so far and, while on, each new one the moment it is minted (its answer still
     * names a future expiry), as a secret that outlived its lifetime in a cache would be.
     */
    public void expireSecretsAsMinted(boolean on) {
        endpoints.expireAsMinted(on);
    }

    // ---- WebRTC calls ----------------------------------------------------------------------------------------

    /**
     * What each WebRTC call saw so far, by call id: {@code state} (the peer connection's), {@code channelOpen},
     * {@code micPackets} and {@code micBytes} (RTP received from the browser), {@code sentPackets} (audio sent to
     * it) and {@code clientEvents} (types of the events the browser sent, in order). Needs {@link #withWebRtc()}.
     */
    public JsonNode webRtcCalls() {
        return peerOrThrow().stats();
    }

    /** Ends every WebRTC call from the server's side. Needs {@link #withWebRtc()}. */
    public void hangUpWebRtcCalls() {
        peerOrThrow().hangUpAll();
    }

    private WebRtcPeer peerOrThrow() {
        WebRtcPeer peer = webRtcPeer;
        if (peer == null) {
            throw new IllegalStateException("this fake answers calls without WebRTC; use withWebRtc()");
        }
        return peer;
    }

    WebRtcPeer webRtcPeer() {
        return webRtcPeer;
    }

    // ---- faults ----------------------------------------------------------------------------------------------

    /** Applies the fault to the next {@code times} requests to this path. */
    public FaultRule faultNext(String path, int times, Fault fault) {
        return addRule(new FaultRule(fullPath(path), times, fault));
    }

    /** Applies the fault to every request to this path, until {@link #clearFaults()} or {@link FaultRule#cancel()}. */
    public FaultRule faultAlways(String path, Fault fault) {
        return addRule(new FaultRule(fullPath(path), FaultRule.UNLIMITED, fault));
    }

    /** Applies the fault to the next {@code times} requests, whatever their path. */
    public FaultRule faultNext(int times, Fault fault) {
        return addRule(new FaultRule(null, times, fault));
    }

    /** Applies the fault to every request, whatever its path. */
    public FaultRule faultAlways(Fault fault) {
        return addRule(new FaultRule(null, FaultRule.UNLIMITED, fault));
    }

    public void clearFaults() {
        faultRules.clear();
    }

    private FaultRule addRule(FaultRule rule) {
        faultRules.addFirst(rule);
        return rule;
    }

    /** The fault for this request, if a rule claims it. CORS preflights never get faults: browsers need them. */
    Fault faultFor(RecordedRequest request) {
        if (request.method().equals("OPTIONS")) {
            return null;
        }
        faultRules.removeIf(FaultRule::isUsedUp);
        for (FaultRule rule : faultRules) {
            if (rule.claim(request.path())) {
                return rule.fault;
            }
        }
        return null;
    }

    /** One scripted fault and how often it may still apply. */
    public static final class FaultRule {
        static final int UNLIMITED = -1;

        private final String path;
        private final Fault fault;
        private final AtomicInteger remaining;
        private final AtomicInteger applied = new AtomicInteger();

        FaultRule(String path, int times, Fault fault) {
            this.path = path;
            this.fault = Objects.requireNonNull(fault);
            this.remaining = new AtomicInteger(times);
        }

        boolean claim(String requestPath) {
            if (path != null && !path.equals(requestPath)) {
                return false;
            }
            int before = remaining.getAndUpdate(n -> n > 0 ? n - 1 : n);
            if (before == 0) {
                return false;
            }
            applied.incrementAndGet();
            return true;
        }

        /** How many requests got this fault so far. */
        public int timesApplied() {
            return applied.get();
        }

        public boolean isUsedUp() {
            return remaining.get() == 0;
        }

        /** Stops this rule from applying again. */
        public void cancel() {
            remaining.set(0);
        }

        @Override
        public String toString() {
            return fault + " on " + (path == null ? "any path" : path) + ", applied " + applied.get() + " times";
        }
    }

    // ---- recording -------------------------------------------------------------------------------------------

    RecordedRequest record(long connectionId, String method, String target, HeaderList headers, byte[] body) {
        String path = pathOf(target);
        List<String> violations = endpoints.contractViolations(method, path, headers, body);
        RecordedRequest request = new RecordedRequest(requestSequence.incrementAndGet(), connectionId, Instant.now(),
                method, target, path, headers, body, violations);
        requests.add(request);
        return request;
    }

    /** The path of an origin-form or absolute-form target, without its query. */
    private static String pathOf(String target) {
        String path = target;
        if (!target.startsWith("/")) {
            try {
                path = URI.create(target).getRawPath();
            } catch (IllegalArgumentException notAUri) {
                return target;
            }
        }
        int query = path == null ? -1 : path.indexOf('?');
        return path == null ? target : query >= 0 ? path.substring(0, query) : path;
    }

    /** Every request received since the start or the last {@link #clear()}, oldest first. */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** Requests to one path (full, or relative to the base path). */
    public List<RecordedRequest> requestsTo(String path) {
        String wanted = fullPath(path);
        return requestsMatching(request -> request.path().equals(wanted));
    }

    public List<RecordedRequest> requestsMatching(Predicate<RecordedRequest> filter) {
        List<RecordedRequest> matching = new ArrayList<>();
        for (RecordedRequest request : requests) {
            if (filter.test(request)) {
                matching.add(request);
            }
        }
        return matching;
    }

    /**
     * Every contract violation seen so far, one line each ("#3 POST /v1/realtime/client_secrets: ..."), so
     * "the broker only sent valid requests" is {@code assertEquals(List.of(), fake.contractViolations())}.
     */
    public List<String> contractViolations() {
        List<String> lines = new ArrayList<>();
        for (RecordedRequest request : requests) {
            for (String violation : request.violations()) {
                lines.add("#" + request.sequence() + " " + request.method() + " " + request.path() + ": " + violation);
            }
        }
        return lines;
    }

    /** TCP connections accepted since the start or the last {@link #clear()}. */
    public int connectionsAccepted() {
        return connectionsAccepted.get();
    }

    /** HTTPS variant: connections whose client gave up during the TLS handshake (e.g. it refused our cert). */
    public int tlsHandshakeFailures() {
        return tlsHandshakeFailures.get();
    }

    /** Forgets recorded requests and zeroes the counters; open connections stay open, faults stay scripted. */
    public void clear() {
        requests.clear();
        connectionsAccepted.set(0);
        tlsHandshakeFailures.set(0);
    }

    /** Waits until at least {@code count} requests matched the filter; returns them, or throws on timeout. */
    public List<RecordedRequest> awaitRequests(Predicate<RecordedRequest> filter, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<RecordedRequest> matching = requestsMatching(filter);
            if (matching.size() >= count) {
                return matching;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " matching requests within " + timeout + ", got "
                        + matching.size() + "; all requests: " + requests());
            }
            Pause.of(Duration.ofMillis(10));
        }
    }

    // ---- for FakeConnection ----------------------------------------------------------------------------------

    FakeEndpoints endpoints() {
        return endpoints;
    }

    void countTlsHandshakeFailure() {
        tlsHandshakeFailures.incrementAndGet();
    }

    void forget(Socket socket) {
        openSockets.remove(socket);
    }

    /** Blocks a hung answer until the fake closes. */
    void awaitClose() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String fullPath(String path) {
        String base = basePath;
        return path.equals(base) || path.startsWith(base + "/") ? path : base + path;
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "fake-openai-connection-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing on shutdown: nothing useful to do with a failure
        }
    }


    // ---- standalone ------------------------------------------------------------------------------------------

    /**
     * Runs the fake on its own, for manual tries and benchmarks:
     * {@code java -cp <test classes and deps> voicebroker.testkit.FakeOpenAi --port 9999 --latency-ms 300}.
     * Options: --port N (0 = any), --latency-ms N, --key KEY, --base-path /v1, --https, --webrtc (calls answered
     * by the real WebRTC peer), --speech-bytes N,
     * --unavailable-model NAME (repeatable). Prints one line with the base URL, then serves until killed.
     */
    public static void main(String[] args) throws InterruptedException {
        FakeOpenAiCli.run(args);
    }
}
