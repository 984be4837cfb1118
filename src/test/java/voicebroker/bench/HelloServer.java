package voicebroker.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The JVM's floor for "start to healthy": a hello-world JDK {@code HttpServer} answering {@code GET /api/health}
 * with a small JSON body, started with the broker's flags and its own start-up archive. The benchmark packs this
 * class alone into a jar. {@code HelloServer PORT [--once]}: with {@code --once} it exits after its first answer
 * (the training run that writes its archive).
 */
public final class HelloServer {
    private HelloServer() {
    }

    public static void main(String[] args) throws IOException {
        boolean once = args.length > 1 && args[1].equals("--once");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0])), 64);
        byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
        server.createContext("/api/health", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
            if (once) {
                new Thread(() -> System.exit(0)).start();
            }
        });
        server.start();
        System.out.println("hello ready");
    }
}
