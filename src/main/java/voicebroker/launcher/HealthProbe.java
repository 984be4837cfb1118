package voicebroker.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Asks {@code GET /api/health} on the loopback port whether a voice-broker answers. Health needs no token and
 * says nothing secret; the {@code service} field tells our broker apart from any other HTTP server. One plain
 * HTTP/1.1 exchange on a socket: {@code java.net.http.HttpClient} would first load the whole TLS stack, which
 * costs more than everything else {@code voice start} does when the broker already runs.
 */
final class HealthProbe {
    static final Duration TIMEOUT = Duration.ofMillis(1500);
    private static final int MAX_ANSWER_BYTES = 16 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private HealthProbe() {
    }

    /** True when a voice-broker answers health on 127.0.0.1:port within the timeout. */
    static boolean isVoiceBroker(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), (int) TIMEOUT.toMillis());
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            socket.getOutputStream().write(("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nAccept: application/json\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return isBrokerHealth(readAnswer(socket.getInputStream()));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The header section, then as many body bytes as Content-Length says (or up to the close): never waits for a
     * close that a keep-alive server would not send. Everything is capped.
     */
    private static String readAnswer(InputStream in) throws IOException {
        StringBuilder answer = new StringBuilder();
        while (answer.indexOf("\r\n\r\n") < 0) {
            int b = in.read();
            if (b < 0 || answer.length() > MAX_ANSWER_BYTES) {
                return answer.toString();
            }
            answer.append((char) b);
        }
        int length = contentLength(answer.toString());
        byte[] body = length >= 0 ? in.readNBytes(Math.min(length, MAX_ANSWER_BYTES)) : in.readNBytes(MAX_ANSWER_BYTES);
        return answer + new String(body, StandardCharsets.UTF_8);
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

    private static boolean isBrokerHealth(String answer) throws IOException {
        int bodyStart = answer.indexOf("\r\n\r\n");
        if (!answer.startsWith("HTTP/1.1 200 ") || bodyStart < 0) {
            return false;
        }
        JsonNode body = JSON.readTree(answer.substring(bodyStart + 4));
        return body != null && "voice-broker".equals(body.path("service").asText());
    }
}
