package voicebroker.upstream;

import java.io.IOException;
import java.net.Socket;
import javax.net.ssl.SSLSocket;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The JDK's default TLS set-up (system trust store, hostname verification) made on the first https connection
 * rather than when the client is built: it costs ~150 ms of start-up and an {@code http} base never needs it.
 */
final class LazyTls implements TlsSocketStrategy {
    private volatile TlsSocketStrategy strategy;

    @Override
    public SSLSocket upgrade(Socket socket, String target, int port, Object attachment, HttpContext context) throws IOException {
        return strategy().upgrade(socket, target, port, attachment, context);
    }

    private TlsSocketStrategy strategy() {
        TlsSocketStrategy built = strategy;
        if (built == null) {
            synchronized (this) {
                if (strategy == null) {
                    strategy = DefaultClientTlsStrategy.createSystemDefault();
                }
                built = strategy;
            }
        }
        return built;
    }
}
