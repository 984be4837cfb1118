package voicebroker.server;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.HttpServerRequestHandler;
import org.apache.hc.core5.http.protocol.HttpContext;
import voicebroker.guard.RequestFacts;
import voicebroker.pipeline.Chain;
import voicebroker.pipeline.Connection;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Reply;

/**
 * HttpCore's side of the pipeline, and nothing else: turns a request into an {@link Exchange}, runs the pipeline,
 * and sends the {@link Reply} it answers. Every decision is in the pipeline, which therefore runs the same in a test
 * without a server. What this adds is bookkeeping the pipeline cannot see: the connection's deadline moves from
 * reading the request to answering it once the body is read, and a body left unread (a refusal) ends the connection
 * instead of being drained, since the client may send a great deal of it.
 */
final class PipelineHandler implements HttpServerRequestHandler {
    private final Chain pipeline;

    PipelineHandler(Chain pipeline) {
        this.pipeline = pipeline;
    }

    @Override
    public void handle(ClassicHttpRequest request, ResponseTrigger trigger, HttpContext context) throws HttpException, IOException {
        ClientConnection connection = ClientConnection.of(context);
        Body body = new Body(request.getEntity(), connection);
        Reply reply = pipeline.proceed(Exchange.of(facts(request, connection), connection.identity(), body));
        connection.answering();
        ClassicHttpResponse response = Replies.response(reply);
        if (!body.fullyRead()) {
            request.setEntity(null); // so HttpCore does not read the rest of it after the answer
            response.setHeader("Connection", "close");
        }
        trigger.submitResponse(response);
    }

    private static RequestFacts facts(ClassicHttpRequest request, ClientConnection connection) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Header header : request.getHeaders()) {
            headers.computeIfAbsent(header.getName(), name -> new ArrayList<>(1)).add(header.getValue());
        }
        return new RequestFacts(connection.identity().remote().getAddress(), request.getMethod(), request.getPath(), headers);
    }

    /** The request body as the pipeline reads it, noticing when it has all been read. */
    private static final class Body extends FilterInputStream {
        private final ClientConnection connection;
        private final long declared;
        private long read;
        private boolean ended;

        Body(HttpEntity entity, ClientConnection connection) throws IOException {
            super(entity == null ? InputStream.nullInputStream() : entity.getContent());
            this.connection = connection;
            this.declared = entity == null ? 0 : entity.getContentLength();
            this.ended = entity == null || declared == 0;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count(b < 0 ? -1 : 1);
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            count(n);
            return n;
        }

        private void count(int n) {
            if (n < 0) {
                end();
            } else if ((read += n) == declared) {
                end();
            }
        }

        private void end() {
            if (!ended) {
                ended = true;
                connection.answering();
            }
        }

        boolean fullyRead() {
            return ended;
        }
    }
}
