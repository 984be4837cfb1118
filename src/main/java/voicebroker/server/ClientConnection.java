package voicebroker.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Optional;
import org.apache.hc.core5.http.impl.io.DefaultBHttpServerConnection;
import org.apache.hc.core5.http.impl.io.HttpService;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import voicebroker.deadline.Deadlines;
import voicebroker.guard.ConnectionOwner;
import voicebroker.log.Log;
import voicebroker.pipeline.Connection;

/**
 * One accepted TCP connection and the thread that serves it, request after request, until the client closes it,
 * it idles too long, or a deadline cuts it. Each request is read within the request time from its first byte
 * (headers and body), then answered within the answer time; between requests the connection may idle for the
 * keep-alive time, and a new connection must send its first request within the request time.
 */
final class ClientConnection implements Runnable {
    private static final String ATTRIBUTE = ClientConnection.class.getName();
    private final DefaultBHttpServerConnection http;
    private final Deadlines.Deadline deadline;
    private final ServerTimes times;
    private final HttpService service;
    private final Connection identity;
    private final Runnable onClose;
    private boolean answering;

    ClientConnection(Socket socket, DefaultBHttpServerConnection http, Deadlines.Deadline deadline, ServerTimes times,
                     HttpService service, Runnable onClose) {
        this.http = http;
        this.deadline = deadline;
        this.times = times;
        this.service = service;
        this.onClose = onClose;
        this.identity = new Connection((InetSocketAddress) socket.getRemoteSocketAddress(),
                (InetSocketAddress) socket.getLocalSocketAddress(), Optional.of(new ConnectionOwner()));
    }

    /** The connection a request came in on, as the pipeline knows it: its addresses, and the place its owner is kept. */
    Connection identity() {
        return identity;
    }

    static ClientConnection of(HttpContext context) {
        return (ClientConnection) context.getAttribute(ATTRIBUTE);
    }

    @Override
    public void run() {
        try {
            Timeout wait = times.firstRequest();
            while (http.isOpen() && http.isDataAvailable(wait)) {
                reading();
                HttpCoreContext context = HttpCoreContext.create();
                context.setAttribute(ATTRIBUTE, this);
                service.handleRequest(http, context);
                deadline.stop();
                wait = times.keepAlive();
            }
        } catch (IOException clientGoneOrCut) {
            // the client closed, reset or stalled the connection, or a deadline cut it: nothing to answer
        } catch (Exception | LinkageError e) {
            Log.warn("a connection ended on an unexpected failure: " + e);
        } finally {
            deadline.close();
            http.close(CloseMode.IMMEDIATE);
            onClose.run();
        }
    }

    /** A request's first byte arrived: its head and body must follow within the request time. */
    private void reading() {
        answering = false;
        deadline.within(times.requestNanos());
    }

    /** The request is read (or will not be): the answer must be sent within the answer time. */
    void answering() {
        if (!answering) {
            answering = true;
            deadline.within(times.answerNanos());
        }
    }
}
