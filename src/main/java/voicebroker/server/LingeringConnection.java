package voicebroker.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.io.DefaultBHttpServerConnection;
import org.apache.hc.core5.http.io.HttpMessageParserFactory;
import org.apache.hc.core5.io.CloseMode;

/**
 * HttpCore's server connection, closed the way a server must close when the client may still be sending: a socket
 * closed with unread bytes waiting makes the kernel send a reset, and the client may then lose the answer it was
 * about to read (a refusal of an oversized body or head, most of all). So a close sends everything, ends the
 * broker's direction, and reads and drops what the client still sends for a short while before letting go.
 */
final class LingeringConnection extends DefaultBHttpServerConnection {
    private static final int LINGER_MILLIS = 1000;
    private static final int LINGER_BYTES = 256 * 1024;
    private final Socket socket;

    LingeringConnection(Socket socket, Http1Config config, HttpMessageParserFactory<ClassicHttpRequest> requests) throws IOException {
        super(null, config, null, null, RequestHead.lengths(), null, requests, null);
        this.socket = socket;
        bind(socket);
    }

    @Override
    public void close() {
        if (!isOpen()) {
            return;
        }
        try {
            flush();
            socket.shutdownOutput();
            drain();
        } catch (IOException clientGone) {
            // nothing left to protect
        } finally {
            close(CloseMode.GRACEFUL);
        }
    }

    private void drain() throws IOException {
        long until = System.nanoTime() + LINGER_MILLIS * 1_000_000L;
        byte[] scratch = new byte[4096];
        InputStream in = socket.getInputStream();
        int total = 0;
        for (long left = LINGER_MILLIS; left > 0 && total < LINGER_BYTES; left = (until - System.nanoTime()) / 1_000_000) {
            socket.setSoTimeout((int) left);
            int n = in.read(scratch);
            if (n < 0) {
                return;
            }
            total += n;
        }
    }
}
