package voicebroker.testkit;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLSocket;

/**
 * Serves one accepted TCP connection of {@link FakeOpenAi}: reads HTTP/1.1 requests one after another
 * (keep-alive), records each, applies a scripted {@link Fault} if one matches, and writes the answer.
 * Written on a plain socket rather than the JDK's HttpServer because faults need to reset connections and
 * send malformed bytes, and because tests count connections.
 */
final class FakeConnection implements Runnable {

    /** Larger request bodies are refused; nothing the broker sends upstream comes close. */
    private static final long MAX_REQUEST_BODY = 16L << 20;
    /** Idle keep-alive connections are closed after this, so forgotten ones do not pile up. */
    private static final int IDLE_TIMEOUT_MS = 120_000;

    private final FakeOpenAi fake;
    private final Socket socket;
    private final long connectionId;

    FakeConnection(FakeOpenAi fake, Socket socket, long connectionId) {
        this.fake = fake;
        this.socket = socket;
        this.connectionId = connectionId;
    }

    @Override
    public void run() {
        try (socket) {
            socket.setSoTimeout(IDLE_TIMEOUT_MS);
            socket.setTcpNoDelay(true);
            if (!handshakeIfTls()) {
                return;
            }
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            while (serveOneRequest(in, out)) {
                // keep-alive: next request on the same connection
            }
        } catch (IOException peerGoneOrFakeClosing) {
            // Nothing to report: what tests assert on (requests, connections) is already recorded.
        } finally {
            fake.forget(socket);
        }
    }

    /** For HTTPS, completes the handshake up front so a client refusing our certificate is counted. */
    private boolean handshakeIfTls() throws IOException {
        if (!(socket instanceof SSLSocket)) {
            return true;
        }
        try {
            ((SSLSocket) socket).startHandshake();
            return true;
        } catch (IOException refused) {
            // Usually the client's alert (an SSLException); a client that closes at once can leave a reset or an
            // end of stream instead, depending on which the server reads first. Either way the handshake failed.
            fake.countTlsHandshakeFailure();
            return false;
        }
    }

    /** Returns true when the connection stays open for another request. */
    private boolean serveOneRequest(InputStream in, OutputStream out) throws IOException {
        String requestLine = readRequestLine(in);
        if (requestLine == null) {
            return false;
        }
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
            FakeResponse malformed = FakeResponse.text(400, "text/plain", "malformed request line\n");
            writeHead(out, malformed, false);
            writeBody(out, malformed, Fault.NO_RESET);
            return false;
        }
        HeaderList headers = HttpWire.readHeaderFields(in);
        byte[] body = readBody(in, out, headers);
        RecordedRequest request = fake.record(connectionId, parts[0], parts[1], headers, body);
        boolean keepAlive = wantsKeepAlive(parts[2], headers);
        return respond(request, fake.faultFor(request), out, keepAlive) && keepAlive;
    }

    /** RFC 9112 lets clients send empty lines before a request; skip them. */
    private static String readRequestLine(InputStream in) throws IOException {
        String line = HttpWire.readLine(in);
        while (line != null && line.isEmpty()) {
            line = HttpWire.readLine(in);
        }
        return line;
    }

    private static byte[] readBody(InputStream in, OutputStream out, HeaderList headers) throws IOException {
        if ("100-continue".equalsIgnoreCase(headers.first("Expect"))) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        if (HttpWire.isChunked(headers)) {
            return HttpWire.readChunked(in, MAX_REQUEST_BODY);
        }
        long length = HttpWire.contentLength(headers);
        return length <= 0 ? new byte[0] : HttpWire.readFixed(in, length, MAX_REQUEST_BODY);
    }

    private static boolean wantsKeepAlive(String version, HeaderList headers) {
        String field = headers.first("Connection");
        String connection = field == null ? "" : field.toLowerCase(Locale.ROOT);
        if (version.equals("HTTP/1.0")) {
            return connection.contains("keep-alive");
        }
        return !connection.contains("close");
    }

    // ---- answering -------------------------------------------------------------------------------------------

    /** Writes the answer, shaped by the fault if there is one; returns false when the connection must end. */
    private boolean respond(RecordedRequest request, Fault fault, OutputStream out, boolean keepAlive)
            throws IOException {
        if (fault != null && fault.hang) {
            fake.awaitClose();
            return false;
        }
        sleep(fake.latency().plus(fault == null ? Duration.ZERO : fault.headerDelay));
        if (fault != null && fault.raw != null) {
            out.write(fault.raw);
            out.flush();
            return false;
        }
        FakeResponse response = shape(fault, fault != null && fault.replacement != null
                ? fault.replacement : fake.endpoints().answer(request));
        writeHead(out, response, keepAlive);
        if (!hasBody(request, response)) {
            out.flush();
            return true;
        }
        return writeBody(out, response, fault == null ? Fault.NO_RESET : fault.resetAfterBytes);
    }

    private static FakeResponse shape(Fault fault, FakeResponse response) {
        if (fault == null) {
            return response;
        }
        FakeResponse shaped = fault.forceChunked ? response.chunked() : response;
        return fault.trickleBytes > 0 ? shaped.withPacing(fault.trickleBytes, fault.trickleDelay) : shaped;
    }

    private static boolean hasBody(RecordedRequest request, FakeResponse response) {
        return !request.method().equals("HEAD") && response.status != 204 && response.status != 304;
    }

    private void writeHead(OutputStream out, FakeResponse response, boolean keepAlive) throws IOException {
        StringBuilder head = new StringBuilder();
        head.append("HTTP/1.1 ").append(response.status).append(' ')
                .append(HttpWire.reasonPhrase(response.status)).append("\r\n");
        head.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)))
                .append("\r\n");
        for (Map.Entry<String, String> field : response.headers) {
            head.append(field.getKey()).append(": ").append(field.getValue()).append("\r\n");
        }
        appendOpenAiHeaders(head);
        appendFraming(head, response);
        if (!keepAlive) {
            head.append("Connection: close\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Headers the real API sends; the organization one is there so tests can check the broker drops it. */
    private static void appendOpenAiHeaders(StringBuilder head) {
        head.append("x-request-id: req_").append(FakeEndpoints.randomHex(16)).append("\r\n");
        head.append("openai-organization: org-fake0rganizati0n\r\n");
        head.append("openai-processing-ms: 42\r\n");
        head.append("openai-version: 2020-10-01\r\n");
    }

    private static void appendFraming(StringBuilder head, FakeResponse response) {
        if (response.status == 204 || response.status == 304) {
            return;
        }
        if (response.isChunked()) {
            head.append("Transfer-Encoding: chunked\r\n");
        } else {
            head.append("Content-Length: ").append(response.length).append("\r\n");
        }
    }

    /**
     * Streams the body in paced pieces. Returns false (and resets the connection) when the fault asked for a
     * reset after some bytes.
     */
    private boolean writeBody(OutputStream out, FakeResponse response, long resetAfter) throws IOException {
        long limit = resetLimit(resetAfter, response);
        byte[] piece = new byte[response.pieceBytes];
        long written = 0;
        try (InputStream body = response.body.get()) {
            while (true) {
                if (limit >= 0 && written >= limit) {
                    out.flush();
                    resetConnection();
                    return false;
                }
                int wanted = limit >= 0 ? (int) Math.min(piece.length, limit - written) : piece.length;
                int n = body.readNBytes(piece, 0, wanted);
                if (n <= 0) {
                    break;
                }
                if (written > 0) {
                    sleep(response.pieceDelay);
                }
                writePiece(out, response, piece, n);
                written += n;
            }
        }
        if (response.isChunked()) {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
        return true;
    }

    private static long resetLimit(long resetAfter, FakeResponse response) {
        if (resetAfter != Fault.RESET_HALFWAY) {
            return resetAfter;
        }
        return response.isChunked() ? response.pieceBytes : response.length / 2;
    }

    private static void writePiece(OutputStream out, FakeResponse response, byte[] piece, int n) throws IOException {
        if (response.isChunked()) {
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(piece, 0, n);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        } else {
            out.write(piece, 0, n);
        }
        out.flush();
    }

    /** SO_LINGER 0 makes close() send a TCP RST instead of a clean FIN: an abrupt end, as tests want. */
    private void resetConnection() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    private static void sleep(Duration duration) throws IOException {
        if (duration.isZero() || duration.isNegative()) {
            return;
        }
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: the fake is closing", e);
        }
    }
}
