package voicebroker.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Is anything listening on a loopback port? A TCP connect answers; nothing is sent. */
final class Ports {
    private static final int CONNECT_TIMEOUT_MS = 500;

    private Ports() {
    }

    /** True when 127.0.0.1:port or [::1]:port accepts a connection (the broker binds both). */
    static boolean isListening(int port) {
        return accepts("127.0.0.1", port) || accepts("::1", port);
    }

    private static boolean accepts(String literal, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName(literal), port), CONNECT_TIMEOUT_MS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
