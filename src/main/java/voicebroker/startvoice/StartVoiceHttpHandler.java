package voicebroker.startvoice;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import voicebroker.json.JsonTree;

/**
 * Mounts a {@link StartVoiceHandler} on any JDK {@code HttpServer}:
 * {@code server.createContext(StartVoiceHandler.PATH, new StartVoiceHttpHandler(handler))}. The body is read
 * only up to the limit; a larger declared or actual body is passed on as "too large", never buffered.
 */
public final class StartVoiceHttpHandler implements HttpHandler {
    private final StartVoiceHandler handler;

    public StartVoiceHttpHandler(StartVoiceHandler handler) {
        this.handler = handler;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            StartVoiceHandler.Response response = handler.handle(request(exchange));
            byte[] bytes = JsonTree.bytes(response.body());
            response.headers().forEach(exchange.getResponseHeaders()::set);
            exchange.sendResponseHeaders(response.status(), bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static StartVoiceHandler.Request request(HttpExchange exchange) throws IOException {
        boolean declaredTooLarge = declaredLength(exchange.getRequestHeaders().get("Content-Length")) > StartVoiceHandler.MAX_BODY_BYTES;
        byte[] body = new byte[0];
        if (!declaredTooLarge) {
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(StartVoiceHandler.MAX_BODY_BYTES + 1);
            }
        }
        boolean tooLarge = declaredTooLarge || body.length > StartVoiceHandler.MAX_BODY_BYTES;
        return new StartVoiceHandler.Request(exchange.getRemoteAddress().getAddress(), exchange.getRequestMethod(),
                exchange.getRequestHeaders(), tooLarge ? new byte[0] : body, tooLarge,
                Optional.of(new StartCaller.Socket(exchange.getRemoteAddress(), exchange.getLocalAddress())));
    }

    private static long declaredLength(List<String> values) {
        if (values == null || values.size() != 1) {
            return -1;
        }
        try {
            return Long.parseLong(values.get(0).strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
