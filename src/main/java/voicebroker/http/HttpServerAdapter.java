package voicebroker.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Optional;
import voicebroker.json.JsonTree;
import voicebroker.guard.RequestFacts;
import voicebroker.log.Log;
import voicebroker.pipeline.Chain;
import voicebroker.pipeline.Connection;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.StreamBody;

/**
 * The JDK server's side of the pipeline, and nothing else: turns an {@link HttpExchange} into an {@link Exchange},
 * runs the pipeline, and writes the {@link Reply} it answers. Every decision is in the pipeline, which therefore
 * runs the same in a test without a server.
 */
final class HttpServerAdapter implements HttpHandler {
    private final Chain pipeline;

    HttpServerAdapter(Chain pipeline) {
        this.pipeline = pipeline;
    }

    @Override
    public void handle(HttpExchange http) throws IOException {
        try {
            write(http, pipeline.proceed(exchange(http)));
        } finally {
            http.close();
        }
    }

    static Exchange exchange(HttpExchange http) {
        InetSocketAddress remote = http.getRemoteAddress();
        RequestFacts facts = new RequestFacts(remote.getAddress(), http.getRequestMethod(), http.getRequestURI().toString(),
                http.getRequestHeaders());
        return Exchange.of(facts, new Connection(remote, http.getLocalAddress(), JdkConnections.socketOf(http)), http.getRequestBody());
    }

    private static void write(HttpExchange http, Reply reply) throws IOException {
        reply.headers().forEach(http.getResponseHeaders()::set);
        contentType(reply).ifPresent(type -> http.getResponseHeaders().set("Content-Type", type));
        if (reply instanceof Reply.Stream stream) {
            stream(http, stream.body());
        } else if (reply instanceof Reply.Empty empty) {
            http.sendResponseHeaders(empty.status(), -1);
        } else {
            byte[] bytes = jsonBytes(reply);
            http.sendResponseHeaders(reply.status(), bytes.length);
            try (OutputStream out = http.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** The Content-Type of the reply's body; none for an empty answer. */
    static Optional<String> contentType(Reply reply) {
        if (reply instanceof Reply.Empty) {
            return Optional.empty();
        }
        return Optional.of(reply instanceof Reply.Stream stream ? stream.body().contentType() : "application/json; charset=utf-8");
    }

    /** The JSON body of a reply that has one (encoded, a document, or a refusal). */
    static byte[] jsonBytes(Reply reply) throws IOException {
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

    private static void stream(HttpExchange http, StreamBody body) throws IOException {
        try (body) {
            http.sendResponseHeaders(200, 0);
            copyThrough(body, http.getResponseBody());
        }
    }

    /** Copies a streamed body to the caller; a failure mid-stream can only cut the stream short, and is logged. */
    static void copyThrough(StreamBody body, OutputStream sink) {
        try (OutputStream out = sink) {
            body.copyTo(out);
        } catch (IOException e) {
            Log.warn("audio stream cut short: " + e.getMessage());
        }
    }
}
