package voicebroker.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import voicebroker.config.Limits;
import voicebroker.pipeline.Reply;
import voicebroker.server.Http1Server;

/**
 * The floor of a mint on the broker's HTTP server and client: the broker's {@link Http1Server} (its sockets, threads
 * and HttpCore protocol handling) with a pipeline of one step that reads the request and forwards a fixed body
 * upstream with Apache HttpClient 5's minimal classic client on the same thread (pooled keep-alive, nodelay; the client
 * the broker uses for a base it reaches without a proxy), passing the answer back unread. No check, no JSON, no log:
 * what any broker built on these pays per mint.
 * {@code ProxyFloor PORT UPSTREAM_URL BODY_FILE}, the key in {@code OPENAI_API_KEY}; prints {@code floor ready} when it serves.
 */
public final class ProxyFloor {
    /** The broker's pool at the benchmark's settings: UpstreamHttp's 8 connections and one for the warm-up. */
    private static final int POOL = 9;

    private ProxyFloor() {
    }

    public static void main(String[] args) throws IOException {
        URI upstream = URI.create(args[1]);
        String authorization = "Bearer " + System.getenv("OPENAI_API_KEY");
        byte[] body = Files.readAllBytes(Path.of(args[2]));
        HttpHost target = HttpHost.create(upstream);
        CloseableHttpClient client = HttpClients.createMinimal(PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(POOL).setMaxConnPerRoute(POOL)
                .setDefaultSocketConfig(SocketConfig.custom().setTcpNoDelay(true).build()).build());
        Http1Server.start(List.of(InetAddress.getLoopbackAddress()), Integer.parseInt(args[0]), Limits.defaults(), exchange -> {
            exchange.body().readAllBytes();
            HttpPost post = new HttpPost(upstream);
            post.setHeader("Authorization", authorization);
            post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
            try (ClassicHttpResponse response = client.executeOpen(target, post, null)) {
                return new Reply.Encoded(200, response.getEntity().getContent().readAllBytes(), Map.of(), false);
            }
        });
        System.out.println("floor ready");
    }
}
