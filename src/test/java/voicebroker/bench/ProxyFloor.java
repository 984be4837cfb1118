package voicebroker.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;

/**
 * The floor of a mint on the broker's two HTTP libraries: a JDK {@code HttpServer} (nodelay, a growing worker pool
 * handed each exchange through a {@code SynchronousQueue}, as the broker's) that reads the request and forwards a
 * fixed body upstream with Apache HttpClient 5 classic on the same thread (pooled keep-alive, nodelay), passing the
 * answer back unread. No check, no JSON, no log: what any broker built on these two pays per mint.
 * {@code ProxyFloor PORT UPSTREAM_URL KEY BODY_FILE}; prints {@code floor ready} when it serves.
 */
public final class ProxyFloor {
    private ProxyFloor() {
    }

    public static void main(String[] args) throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        URI upstream = URI.create(args[1]);
        String authorization = "Bearer " + args[2];
        byte[] body = Files.readAllBytes(Path.of(args[3]));
        CloseableHttpClient client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDefaultSocketConfig(SocketConfig.custom().setTcpNoDelay(true).build()).build())
                .disableRedirectHandling().disableCookieManagement().disableContentCompression().disableAuthCaching()
                .disableConnectionState().build();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0])), 64);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            HttpPost post = new HttpPost(upstream);
            post.setHeader("Authorization", authorization);
            post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
            byte[] answer;
            try (ClassicHttpResponse response = client.executeOpen(null, post, null)) {
                answer = response.getEntity().getContent().readAllBytes();
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.setExecutor(new ThreadPoolExecutor(16, 128, 5, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread thread = new Thread(r, "floor");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
        System.out.println("floor ready");
    }
}
