package voicebroker.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import voicebroker.guard.RequestFacts;
import voicebroker.log.Log;
import voicebroker.pipeline.Chain;
import voicebroker.pipeline.Exchange;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.StreamBody;

/**
 * The JDK server's side of the pipeline, and nothing else: turns an {@link HttpExchange} into an {@link Exchange},
 * runs the pipeline, and writes the {@link Reply} it answers. Every decision is in the pipeline, which therefore
 * runs the same in a test without a server.
 */
final class HttpServerAdapter implements HttpHandler {
    private static final ObjectMapper JSON = new ObjectMapper();
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
        return Exchange.of(facts, http.getRequestBody());
    }

    private static void write(HttpExchange http, Reply reply) throws IOException {
        reply.headers().forEach(http.getResponseHeaders()::set);
        if (reply instanceof Reply.Encoded encoded) {
            writeJson(http, encoded.status(), encoded.json());
        } else if (reply instanceof Reply.Json json) {
            writeJson(http, json.status(), JSON.writeValueAsBytes(json.body()));
        } else if (reply instanceof Reply.Refused refused) {
            writeJson(http, refused.status(), JSON.writeValueAsBytes(refused.refusal().body()));
        } else if (reply instanceof Reply.Empty empty) {
            http.sendResponseHeaders(empty.status(), -1);
        } else {
            stream(http, ((Reply.Stream) reply).body());
        }
    }

    private static void writeJson(HttpExchange http, int status, byte[] bytes) throws IOException {
        http.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        http.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = http.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Streams the body through in chunks; a failure mid-stream can only cut the stream short. */
    private static void stream(HttpExchange http, StreamBody body) throws IOException {
        try (body) {
            http.getResponseHeaders().set("Content-Type", body.contentType());
            http.sendResponseHeaders(200, 0);
            try (OutputStream out = http.getResponseBody()) {
                body.copyTo(out);
            } catch (IOException e) {
                Log.warn("audio stream cut short: " + e.getMessage());
            }
        }
    }
}
