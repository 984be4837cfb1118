package voicebroker.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import voicebroker.json.JsonTree;
import voicebroker.log.Log;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.StreamBody;

/** A pipeline's {@link Reply} as an HTTP response: its status, its headers, and its body as JSON bytes or a stream. */
public final class Replies {
    private Replies() {
    }

    static ClassicHttpResponse response(Reply reply) throws IOException {
        BasicClassicHttpResponse response = new BasicClassicHttpResponse(reply.status());
        reply.headers().forEach(response::setHeader);
        contentType(reply).ifPresent(type -> response.setHeader("Content-Type", type));
        if (reply instanceof Reply.Stream stream) {
            response.setEntity(new Streamed(stream.body()));
        } else if (!(reply instanceof Reply.Empty)) {
            response.setEntity(new ByteArrayEntity(jsonBytes(reply), (ContentType) null));
        }
        return response;
    }

    /** The Content-Type of the reply's body; none for an empty answer. */
    public static Optional<String> contentType(Reply reply) {
        if (reply instanceof Reply.Empty) {
            return Optional.empty();
        }
        return Optional.of(reply instanceof Reply.Stream stream ? stream.body().contentType() : "application/json; charset=utf-8");
    }

    /** The JSON body of a reply that has one (encoded, a document, or a refusal). */
    public static byte[] jsonBytes(Reply reply) throws IOException {
        if (reply instanceof Reply.Encoded encoded) {
            return encoded.json();
        }
        if (reply instanceof Reply.Json json) {
            return JsonTree.bytes(json.body());
        }
        if (reply instanceof Reply.Refused refused) {
            return JsonTree.bytes(refused.refusal().body());
        }
        throw new IllegalArgumentException("no JSON body in " + reply.getClass().getSimpleName());
    }

    /** Copies a streamed body to the caller; a failure mid-stream can only cut the stream short, and is logged. */
    public static void copyThrough(StreamBody body, OutputStream sink) {
        try (OutputStream out = sink) {
            body.copyTo(out);
        } catch (IOException e) {
            Log.warn("audio stream cut short: " + e.getMessage());
        }
    }

    /** A body sent in chunks as it arrives from the upstream; it can be sent once, and closing the response closes it. */
    private static final class Streamed extends AbstractHttpEntity {
        private final StreamBody body;

        Streamed(StreamBody body) {
            super((String) null, null, true);
            this.body = body;
        }

        @Override
        public void writeTo(OutputStream out) {
            copyThrough(body, out);
        }

        @Override
        public InputStream getContent() {
            throw new UnsupportedOperationException("a streamed answer is written, not read");
        }

        @Override
        public long getContentLength() {
            return -1;
        }

        @Override
        public boolean isRepeatable() {
            return false;
        }

        @Override
        public boolean isStreaming() {
            return true;
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }
}
