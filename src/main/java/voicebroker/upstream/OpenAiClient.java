package voicebroker.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import voicebroker.config.BrokerConfig;
import voicebroker.config.ProxySettings;
import voicebroker.config.Secret;
import voicebroker.config.UpstreamBase;

/**
 * The only code that sends the API key anywhere: to the one base fixed at start-up, over the JDK
 * {@link HttpClient} with redirects never followed, default TLS verification, HTTPS_PROXY honoured,
 * connections kept alive and reused, and every wait and size bounded.
 */
public final class OpenAiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER_AGENT = "voice-broker/0.1";
    private final UpstreamBase base;
    private final Secret key;
    /** Built on a background thread: the client and its TLS setup take ~100 ms, which need not delay readiness. */
    private final CompletableFuture<HttpClient> http;
    private final Duration timeout;
    private final int maxJsonBytes;

    public OpenAiClient(BrokerConfig config, Secret key) {
        this.base = config.base();
        this.key = key;
        this.timeout = config.limits().upstreamTimeout();
        this.maxJsonBytes = config.limits().maxUpstreamJsonBytes();
        this.http = CompletableFuture.supplyAsync(() -> buildClient(config), OpenAiClient::runOnDaemonThread);
    }

    private static HttpClient buildClient(BrokerConfig config) {
        UpstreamBase base = config.base();
        return HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(config.limits().upstreamConnectTimeout())
                .proxy(selector(config.proxy()))
                // h2c upgrade headers confuse plain local servers; https negotiates HTTP/2 through ALPN.
                .version(base.isLoopback() && "http".equals(base.api().getScheme()) ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2)
                .build();
    }

    private static void runOnDaemonThread(Runnable task) {
        Thread thread = new Thread(task, "upstream-client-init");
        thread.setDaemon(true);
        thread.start();
    }

    private HttpClient client() {
        return http.join();
    }

    /** POSTs JSON to {@code path} under {@code /v1} and answers the parsed 2xx JSON body. */
    public JsonNode postJson(String path, JsonNode body) {
        CompletableFuture<HttpResponse<byte[]>> call = client().sendAsync(request(path, body, "application/json"),
                LimitedBodySubscriber.handler(maxJsonBytes));
        HttpResponse<byte[]> response = await(call);
        if (response.statusCode() / 100 != 2) {
            throw UpstreamErrors.fromStatus(response.statusCode(), response.body(), response.headers().firstValue("retry-after"), key);
        }
        try {
            JsonNode parsed = JSON.readTree(response.body());
            if (parsed == null || !parsed.isObject()) {
                throw UpstreamErrors.invalidAnswer("not a JSON object");
            }
            return parsed;
        } catch (IOException e) {
            throw UpstreamErrors.invalidAnswer("not valid JSON");
        }
    }

    /** POSTs JSON and answers the audio stream, unread; the caller copies and closes it. */
    public AudioStream postForAudio(String path, JsonNode body) {
        HttpResponse<InputStream> response = await(client().sendAsync(request(path, body, "audio/*, application/octet-stream"),
                HttpResponse.BodyHandlers.ofInputStream()));
        if (response.statusCode() / 100 != 2) {
            byte[] errorBody = readErrorBody(response.body());
            throw UpstreamErrors.fromStatus(response.statusCode(), errorBody, response.headers().firstValue("retry-after"), key);
        }
        String type = response.headers().firstValue("content-type").orElse("application/octet-stream").toLowerCase(Locale.ROOT);
        String mediaType = type.split(";")[0].strip();
        if (!(mediaType.matches("audio/[a-z0-9.+-]+") || mediaType.equals("application/octet-stream"))) {
            closeQuietly(response.body());
            throw UpstreamErrors.invalidAnswer("expected audio, got " + mediaType.replaceAll("[^a-z0-9/.+-]", "?"));
        }
        return new AudioStream(mediaType, response.body(), timeout);
    }

    /**
     * Opens the connection (TCP and TLS) before the first real call, so the first mint does not pay for it.
     * Any answer will do, an error included; a failure here is only logged by the caller.
     */
    public CompletableFuture<Integer> warmUp() {
        HttpRequest probe = HttpRequest.newBuilder(base.endpoint("/models")).timeout(timeout)
                .header("User-Agent", USER_AGENT).method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
        return http.thenCompose(client -> client.sendAsync(probe, HttpResponse.BodyHandlers.discarding())).thenApply(HttpResponse::statusCode);
    }

    private HttpRequest request(String path, JsonNode body, String accept) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HttpRequest.newBuilder(base.endpoint(path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + key.reveal())
                .header("Content-Type", "application/json")
                .header("Accept", accept)
                .header("User-Agent", USER_AGENT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                .build();
    }

    /** Waits for the whole exchange up to the total timeout, then cancels it. */
    private <T> HttpResponse<T> await(CompletableFuture<HttpResponse<T>> call) {
        try {
            return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw UpstreamErrors.fromException(e);
        } catch (ExecutionException e) {
            throw UpstreamErrors.fromException(e.getCause());
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw UpstreamErrors.fromException(e);
        }
    }

    private byte[] readErrorBody(InputStream in) {
        try (in; StallWatchdog watchdog = StallWatchdog.watch(in, timeout)) {
            return in.readNBytes(maxJsonBytes);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // nothing to do: the stream is being abandoned
        }
    }

    private static ProxySelector selector(ProxySettings settings) {
        if (settings.proxy().isEmpty()) {
            return HttpClient.Builder.NO_PROXY;
        }
        URI proxy = settings.proxy().get();
        int port = proxy.getPort() == -1 ? 80 : proxy.getPort();
        SocketAddress address = InetSocketAddress.createUnresolved(proxy.getHost(), port);
        return new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                return settings.bypasses(uri.getHost()) ? List.of(Proxy.NO_PROXY) : List.of(new Proxy(Proxy.Type.HTTP, address));
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException e) {
                // the call itself reports the failure
            }
        };
    }
}
