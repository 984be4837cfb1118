package voicebroker.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import voicebroker.net.IpLiteral;

/**
 * One HTTP/1.1 exchange with a broker on a loopback address, over a plain socket: the launcher's commands talk
 * only to a broker's {@code http://} loopback URL, so they need neither a proxy, redirects nor TLS, and a plain socket
 * keeps the JDK's HTTP client (whose set-up builds a TLS context) off the path of {@code voice status},
 * {@code stop} and {@code mint}. Answers are read up to Content-Length (never waiting for a close a keep-alive
 * server would not send) and capped.
 */
final class LoopbackHttp {
    private static final int MAX_HEAD_BYTES = 16 * 1024;
    private static final int MAX_BODY_BYTES = 256 * 1024;

    /** A status and a body; {@code status} is 0 when the answer was not HTTP. */
    record Answer(int status, String body) {
    }

    private LoopbackHttp() {
    }

    /** @param host an IP literal of the loopback ({@code 127.0.0.1} or {@code ::1}); no name is looked up */
    static Answer exchange(String host, int port, String method, String path, Map<String, String> headers, byte[] body, Duration timeout)
            throws IOException {
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            InetAddress address = IpLiteral.parse(host).filter(InetAddress::isLoopbackAddress)
                    .orElseThrow(() -> new IOException(host + " is not a loopback IP literal"));
            socket.connect(new InetSocketAddress(address, port), (int) Math.min(timeout.toMillis(), 2000));
            socket.setSoTimeout((int) timeout.toMillis());
            StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ")
                    .append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port).append("\r\nConnection: close\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            if (body.length > 0 || method.equals("POST")) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            return read(socket.getInputStream());
        }
    }

    private static Answer read(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0) {
            int b = in.read();
            if (b < 0 || head.length() > MAX_HEAD_BYTES) {
                return new Answer(0, "");
            }
            head.append((char) b);
        }
        int length = contentLength(head.toString());
        byte[] body = in.readNBytes(length >= 0 ? Math.min(length, MAX_BODY_BYTES) : MAX_BODY_BYTES);
        return new Answer(status(head.toString()), new String(body, StandardCharsets.UTF_8));
    }

    private static int status(String head) {
        String[] statusLine = head.substring(0, Math.max(0, head.indexOf("\r\n"))).split(" ", 3);
        try {
            return statusLine.length >= 2 && statusLine[0].startsWith("HTTP/1.") ? Integer.parseInt(statusLine[1]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase("content-length")) {
                try {
                    return Integer.parseInt(line.substring(colon + 1).strip());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }
}
