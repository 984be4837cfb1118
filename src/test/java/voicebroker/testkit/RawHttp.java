package voicebroker.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A raw-socket HTTP/1.1 client for requests {@code java.net.http.HttpClient} refuses to send: any Host (or none,
 * or two), duplicate headers, absolute-form targets, Content-Length with Transfer-Encoding, malformed request
 * lines, bytes trickled slowly, a chosen local address. What you write is exactly what is sent: nothing is added
 * except a Content-Length for a builder body (unless you set Content-Length or Transfer-Encoding yourself).
 *
 * <pre>{@code
 * RawHttp.Response r = RawHttp.request("POST", "/api/session")
 *         .header("Host", "localhost:8099")
 *         .header("Content-Type", "application/json")
 *         .body("{}")
 *         .send("127.0.0.1", 8099);
 * RawHttp.send("127.0.0.1", 8099, "GET /api/health HTTP/1.1\r\nHost: evil.example\r\n\r\n");
 * RawHttp.client().bindTo("192.0.2.10").trickle(1, Duration.ofMillis(100)).send(host, port, request);
 * }</pre>
 */
public final class RawHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RawHttp() {
    }

    /** Sends raw text (as ISO-8859-1 bytes, so every octet is yours) with default options. */
    public static Response send(String host, int port, String rawRequest) {
        return client().send(host, port, rawRequest);
    }

    /** Sends raw bytes with default options. */
    public static Response send(String host, int port, byte[] rawRequest) {
        return client().send(host, port, rawRequest);
    }

    /** Starts a request builder; add headers (Host too: none is added for you) and maybe a body. */
    public static Request request(String method, String target) {
        return new Request(method, target);
    }

    /** A client with default options (5 s connect, 10 s read timeout, no local bind, no trickling). */
    public static Client client() {
        return new Client();
    }

    // ---- client options --------------------------------------------------------------------------------------

    /** Options for sending; each {@code send} opens a new connection and closes it afterwards. */
    public static final class Client {
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration readTimeout = Duration.ofSeconds(10);
        private InetAddress localAddress;
        private int trickleBytes;
        private Duration trickleDelay = Duration.ZERO;
        private long maxBody = 64L << 20;

        private Client() {
        }

        /** Binds the client socket to this local address, e.g. a non-loopback one, to test the peer check. */
        public Client bindTo(InetAddress address) {
            this.localAddress = address;
            return this;
        }

        public Client bindTo(String address) {
            try {
                return bindTo(InetAddress.getByName(address));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an address: " + address, e);
            }
        }

        public Client connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** How long to wait for each read of the response before failing with SocketTimeoutException. */
        public Client readTimeout(Duration timeout) {
            this.readTimeout = timeout;
            return this;
        }

        /** Sets both the connect and the read timeout. */
        public Client timeout(Duration timeout) {
            return connectTimeout(timeout).readTimeout(timeout);
        }

        /** Writes the request {@code bytes} at a time with {@code every} between writes: a slow client. */
        public Client trickle(int bytes, Duration every) {
            if (bytes < 1) {
                throw new IllegalArgumentException("trickle at least 1 byte per write");
            }
            this.trickleBytes = bytes;
            this.trickleDelay = every;
            return this;
        }

        /** Largest response body read before giving up (default 64 MiB). */
        public Client maxBody(long bytes) {
            this.maxBody = bytes;
            return this;
        }

        public Response send(String host, int port, String rawRequest) {
            return send(host, port, HttpWire.latin1(rawRequest));
        }

        public Response send(String host, int port, byte[] rawRequest) {
            try (Connection connection = open(host, port)) {
                return connection.exchange(rawRequest);
            }
        }

        public Response send(String host, int port, Request request) {
            return send(host, port, request.toBytes());
        }

        /** Opens a connection for several requests in a row (keep-alive, pipelining, idle-timeout tests). */
        public Connection open(String host, int port) {
            Socket socket = new Socket();
            try {
                if (localAddress != null) {
                    socket.bind(new InetSocketAddress(localAddress, 0));
                }
                socket.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
                socket.setSoTimeout((int) readTimeout.toMillis());
                socket.setTcpNoDelay(true);
                return new Connection(socket, this);
            } catch (IOException e) {
                closeQuietly(socket);
                throw new UncheckedIOException("cannot connect to " + host + ":" + port, e);
            }
        }
    }

    // ---- connection ------------------------------------------------------------------------------------------

    /** One open TCP connection; send requests and read responses on it in turn. */
    public static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final Client options;
        private final InputStream in;
        private final OutputStream out;

        private Connection(Socket socket, Client options) throws IOException {
            this.socket = socket;
            this.options = options;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        /** Writes the bytes (trickled if the client says so) and reads one response. */
        public Response exchange(byte[] rawRequest) {
            boolean sent = write(rawRequest);
            return readResponse(methodOf(rawRequest), sent);
        }

        public Response exchange(String rawRequest) {
            return exchange(HttpWire.latin1(rawRequest));
        }

        public Response exchange(Request request) {
            return exchange(request.toBytes());
        }

        /** Writes bytes; returns false when the peer closed before all were written (a refusal, not an error). */
        public boolean write(byte[] bytes) {
            try {
                int step = options.trickleBytes > 0 ? options.trickleBytes : bytes.length;
                for (int offset = 0; offset < bytes.length; offset += step) {
                    if (offset > 0) {
                        Pause.of(options.trickleDelay);
                    }
                    out.write(bytes, offset, Math.min(step, bytes.length - offset));
                    out.flush();
                }
                return true;
            } catch (IOException peerClosed) {
                return false;
            }
        }

        /** Reads one response to a request of this method (HEAD responses have no body). */
        public Response readResponse(String requestMethod) {
            return readResponse(requestMethod, true);
        }

        private Response readResponse(String requestMethod, boolean sent) {
            try {
                return ResponseReader.read(in, requestMethod, options.maxBody, sent);
            } catch (SocketTimeoutException e) {
                throw new UncheckedIOException("no complete response within " + options.readTimeout, e);
            } catch (IOException e) {
                throw new UncheckedIOException("broken response", e);
            }
        }

        /** True when the peer closes (or resets) the connection within {@code wait}; false if it stays open. */
        public boolean awaitClosedByPeer(Duration wait) {
            try {
                socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
                return in.read() < 0;
            } catch (SocketTimeoutException stillOpen) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }

        public Socket socket() {
            return socket;
        }

        @Override
        public void close() {
            closeQuietly(socket);
        }
    }

    private static String methodOf(byte[] rawRequest) {
        String start = new String(rawRequest, 0, Math.min(rawRequest.length, 16), StandardCharsets.ISO_8859_1);
        int space = start.indexOf(' ');
        return space > 0 ? start.substring(0, space) : start;
    }

    // ---- request builder -------------------------------------------------------------------------------------

    /** A request to send; headers go out in the order added, duplicates included. */
    public static final class Request {
        private final String method;
        private final String target;
        private String version = "HTTP/1.1";
        private final List<Map.Entry<String, String>> headers = new ArrayList<>();
        private byte[] body = new byte[0];
        private boolean autoContentLength = true;

        private Request(String method, String target) {
            this.method = Objects.requireNonNull(method);
            this.target = Objects.requireNonNull(target);
        }

        /** Adds a header field; call twice with one name to send it twice. */
        public Request header(String name, String value) {
            headers.add(new AbstractMap.SimpleImmutableEntry<>(name, value));
            return this;
        }

        /** The body as UTF-8; a Content-Length is added unless you set framing headers yourself. */
        public Request body(String text) {
            return body(text.getBytes(StandardCharsets.UTF_8));
        }

        public Request body(byte[] bytes) {
            this.body = bytes.clone();
            return this;
        }

        /** Replaces "HTTP/1.1" in the request line (e.g. "HTTP/1.0", or garbage). */
        public Request version(String httpVersion) {
            this.version = httpVersion;
            return this;
        }

        /** Sends the body without adding any Content-Length. */
        public Request noContentLength() {
            this.autoContentLength = false;
            return this;
        }

        /** The exact bytes that will be sent. */
        public byte[] toBytes() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.writeBytes(HttpWire.latin1(head()));
            bytes.writeBytes(body);
            return bytes.toByteArray();
        }

        private String head() {
            StringBuilder head = new StringBuilder(method).append(' ').append(target).append(' ').append(version)
                    .append("\r\n");
            for (Map.Entry<String, String> field : headers) {
                head.append(field.getKey()).append(": ").append(field.getValue()).append("\r\n");
            }
            if (needsContentLength()) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            return head.append("\r\n").toString();
        }

        private boolean needsContentLength() {
            HeaderList list = new HeaderList(headers);
            return autoContentLength && body.length > 0 && !list.has("Content-Length")
                    && !list.has("Transfer-Encoding");
        }

        public Response send(String host, int port) {
            return client().send(host, port, this);
        }

        public Response send(Client client, String host, int port) {
            return client.send(host, port, this);
        }

        @Override
        public String toString() {
            return new String(toBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    // ---- response --------------------------------------------------------------------------------------------

    /**
     * What came back. When the server closed or reset the connection before sending a byte, {@link #status()}
     * is -1 and {@link #receivedNothing()} is true: that is a legitimate way to refuse a forged request.
     */
    public static final class Response {
        private final String statusLine;
        private final int status;
        private final HeaderList headers;
        private final byte[] body;
        private final boolean requestFullySent;

        Response(String statusLine, int status, HeaderList headers, byte[] body, boolean requestFullySent) {
            this.statusLine = statusLine;
            this.status = status;
            this.headers = headers;
            this.body = body;
            this.requestFullySent = requestFullySent;
        }

        static Response nothing(boolean requestFullySent) {
            return new Response("", -1, new HeaderList(List.of()), new byte[0], requestFullySent);
        }

        public int status() {
            return status;
        }

        public String statusLine() {
            return statusLine;
        }

        public boolean receivedNothing() {
            return status < 0;
        }

        /** False when the server closed the connection before the whole request was written. */
        public boolean requestFullySent() {
            return requestFullySent;
        }

        public HeaderList headers() {
            return headers;
        }

        /** First value of a header (case-insensitive), or null. */
        public String header(String name) {
            return headers.first(name);
        }

        /** Every value of a header, in order. */
        public List<String> headerValues(String name) {
            return headers.all(name);
        }

        public String body() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public byte[] bodyBytes() {
            return body.clone();
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("response body is not JSON: " + body(), e);
            }
        }

        @Override
        public String toString() {
            return receivedNothing() ? "(no response)" : statusLine + "\n" + headers + "\n" + body();
        }
    }

    /** Reads one response: status line (skipping 1xx), headers, body by its framing. */
    private static final class ResponseReader {
        static Response read(InputStream in, String requestMethod, long maxBody, boolean sent) throws IOException {
            String statusLine = readStatusLine(in);
            if (statusLine == null) {
                return Response.nothing(sent);
            }
            int status = parseStatus(statusLine);
            HeaderList headers = HttpWire.readHeaderFields(in);
            while (status >= 100 && status < 200 && status != 101) {
                statusLine = HttpWire.readLine(in);
                status = parseStatus(statusLine);
                headers = HttpWire.readHeaderFields(in);
            }
            byte[] body = readBody(in, requestMethod, status, headers, maxBody);
            return new Response(statusLine, status, headers, body, sent);
        }

        /** Null when the peer closed or reset before any byte: the server said nothing. */
        private static String readStatusLine(InputStream in) throws IOException {
            try {
                return HttpWire.readLine(in);
            } catch (SocketTimeoutException timeout) {
                throw timeout;
            } catch (SocketException reset) {
                return null;
            }
        }

        private static int parseStatus(String statusLine) throws IOException {
            String[] parts = statusLine == null ? new String[0] : statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP status line: " + statusLine);
            }
            try {
                return Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP status line: " + statusLine, e);
            }
        }

        private static byte[] readBody(InputStream in, String method, int status, HeaderList headers, long max)
                throws IOException {
            if (method.toUpperCase(Locale.ROOT).equals("HEAD") || status == 204 || status == 304) {
                return new byte[0];
            }
            if (HttpWire.isChunked(headers)) {
                return HttpWire.readChunked(in, max);
            }
            long length = HttpWire.contentLength(headers);
            return length >= 0 ? HttpWire.readFixed(in, length, max) : HttpWire.readToEnd(in, max);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------


    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing after use: nothing useful to do with a failure
        }
    }
}
