package voicebroker.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The load client of the harness: one keep-alive HTTP/1.1 connection over a blocking socket, requests written
 * from pre-built bytes, responses read with their framing (Content-Length or chunked). Deliberately lean so
 * that its own cost is small and, above all, the same for the broker and for the direct reference: both are
 * called through this class with the same code path.
 */
final class Http1 implements AutoCloseable {
    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    Http1(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** A request as bytes, with Host and Content-Length filled in; headers in the order given. */
    static byte[] request(String method, String target, String hostHeader, Map<String, String> headers, byte[] body) {
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(hostHeader).append("\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        if (body.length > 0 || method.equals("POST")) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }

    int port() {
        return port;
    }

    /** Opens the connection now (otherwise the first exchange does). */
    Http1 connect() throws IOException {
        if (socket == null || socket.isClosed()) {
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(host, port), 2000);
                s.setSoTimeout(30_000);
            } catch (IOException e) {
                s.close();
                throw e;
            }
            socket = s;
            in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            out = s.getOutputStream();
        }
        return this;
    }

    /** Sends one request and reads the whole response; reconnects once if the server had closed the idle connection. */
    Response exchange(byte[] request) throws IOException {
        boolean fresh = socket == null || socket.isClosed();
        connect();
        try {
            out.write(request);
            out.flush();
            return read(false);
        } catch (IOException e) {
            close();
            if (fresh) {
                throw e;
            }
            connect();
            out.write(request);
            out.flush();
            return read(false);
        }
    }

    /**
     * Sends one request and reads the body without keeping it, noting when ({@link System#nanoTime()}) the
     * first body byte arrived. Answers the response with an empty body, the byte count and that time.
     */
    Response stream(byte[] request) throws IOException {
        connect();
        out.write(request);
        out.flush();
        return read(true);
    }

    private Response read(boolean streaming) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            close();
            throw new IOException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        for (String field = line(); field != null && !field.isEmpty(); field = line()) {
            int colon = field.indexOf(':');
            headers.put(field.substring(0, colon).trim().toLowerCase(Locale.ROOT), field.substring(colon + 1).trim());
        }
        Body body = new Body(streaming);
        String transfer = headers.getOrDefault("transfer-encoding", "");
        if (transfer.toLowerCase(Locale.ROOT).contains("chunked")) {
            for (long size = chunkSize(); size > 0; size = chunkSize()) {
                body.copy(in, size);
                line();
            }
            for (String trailer = line(); trailer != null && !trailer.isEmpty(); trailer = line()) {
                // trailers: ignored
            }
        } else if (headers.containsKey("content-length")) {
            body.copy(in, Long.parseLong(headers.get("content-length")));
        } else if (status != 204 && status != 304) {
            body.copy(in, Long.MAX_VALUE);
            close();
        }
        if ("close".equalsIgnoreCase(headers.get("connection"))) {
            close();
        }
        return new Response(status, headers, body.bytes(), body.count, body.firstByteNanos);
    }

    private long chunkSize() throws IOException {
        String size = line();
        if (size == null) {
            throw new IOException("connection closed inside a chunked body");
        }
        int semicolon = size.indexOf(';');
        return Long.parseLong((semicolon >= 0 ? size.substring(0, semicolon) : size).trim(), 16);
    }

    /** One CRLF-terminated line (ISO-8859-1), or null at the end of the stream. */
    private String line() throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                return line.length() == 0 ? null : line.toString();
            }
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            line.append((char) b);
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing: nothing to do
            }
        }
    }

    /** What came back; {@code body} is empty for streamed responses (only counted). */
    record Response(int status, Map<String, String> headers, byte[] body, long bodyBytes, long firstByteNanos) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Keeps a small body, or for a stream only counts bytes and notes when the first arrived. */
    private static final class Body {
        private final boolean streaming;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final byte[] buffer = new byte[64 * 1024];
        private long count;
        private long firstByteNanos;

        Body(boolean streaming) {
            this.streaming = streaming;
        }

        void copy(InputStream in, long length) throws IOException {
            long left = length;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    if (length == Long.MAX_VALUE) {
                        return;
                    }
                    throw new IOException("connection closed inside a body");
                }
                if (count == 0 && firstByteNanos == 0) {
                    firstByteNanos = System.nanoTime();
                }
                count += n;
                left -= n;
                if (!streaming) {
                    kept.write(buffer, 0, n);
                }
            }
        }

        byte[] bytes() {
            return kept.toByteArray();
        }
    }
}
