package voicebroker.upstream;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.cookie.CookieSpecFactory;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import voicebroker.config.BrokerConfig;
import voicebroker.config.Limits;

/**
 * The HTTP client the key travels through (Apache HttpClient 5, classic): blocking HTTP/1.1 on the request's
 * own thread, which costs a fraction of the context switches of an asynchronous client. What it is allowed to
 * do: pool keep-alive connections (one is reused for sequential calls), connect within the connect timeout,
 * never wait on a silent socket longer than the upstream timeout, verify TLS with the JDK's defaults, go through
 * the proxy the environment names, and never follow a redirect, decompress, keep cookies or retry by itself
 * (the one retry there is, for a kept-alive connection the upstream had closed, is {@link OpenAiClient}'s).
 *
 * <p>Which client depends on the route, fixed at start-up with the base: a base reached through a proxy gets
 * HttpClient's full client, whose exec chain plans the route and opens the CONNECT tunnel; a base reached
 * straight gets its minimal client, the same pool and TLS with one exchange and nothing else, which saves
 * about 0.04 ms and as much CPU per call (a third of the client's share of a mint; docs/BENCHMARKS.md).
 */
final class UpstreamHttp {
    /** A pooled connection idle this long is checked before reuse, so a call is never sent on one the upstream closed. */
    private static final TimeValue VALIDATE_AFTER_IDLE = TimeValue.ofSeconds(2);
    /**
     * Kept-alive upstream connections at most, the call budget's default in-flight cap. A call holds one for one
     * round trip, so a few serve many callers, and calls beyond wait for one in order. More connections only let more
     * request threads run at once on a laptop's few cores: at 32 clients, 16 made the slowest 1 % of mints about 1.4
     * times the original's, 8 brought them level with it (docs/BENCHMARKS.md).
     */
    static final int MAX_CONNECTIONS = 8;

    private UpstreamHttp() {
    }

    /**
     * What every request carries itself, because the minimal client reads no client-wide defaults: no redirect, no
     * protocol upgrade, and no wait for a pooled connection or an answer beyond the upstream timeout.
     */
    static RequestConfig requestConfig(BrokerConfig config) {
        Timeout wait = Timeout.of(config.limits().upstreamTimeout());
        return RequestConfig.custom()
                .setRedirectsEnabled(false)
                .setProtocolUpgradeEnabled(false)
                .setConnectionRequestTimeout(wait)
                .setResponseTimeout(wait)
                .build();
    }

    static CloseableHttpClient build(BrokerConfig config) {
        PoolingHttpClientConnectionManager pool = pool(config.limits());
        if (!throughProxy(config)) {
            return HttpClients.createMinimal(pool);
        }
        return HttpClients.custom()
                .setConnectionManager(pool)
                .setRoutePlanner(ProxyRoutes.planner(config.proxy()))
                .setDefaultRequestConfig(requestConfig(config))
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableContentCompression()
                .disableCookieManagement()
                // No cookie specs: the default ones parse the public suffix list, ~50 ms of CPU for nothing.
                .setDefaultCookieSpecRegistry(RegistryBuilder.<CookieSpecFactory>create().build())
                .disableAuthCaching()
                .disableConnectionState()
                .build();
    }

    /** True when calls to the base go through the environment's proxy (set, and neither NO_PROXY nor loopback says straight). */
    static boolean throughProxy(BrokerConfig config) {
        return config.proxy().proxyFor(config.base().api().getHost()).isPresent();
    }

    private static PoolingHttpClientConnectionManager pool(Limits limits) {
        Timeout wait = Timeout.of(limits.upstreamTimeout());
        // One per call in flight (the call budget's cap) up to MAX_CONNECTIONS, plus one for the warm-up: a broker
        // under load reaches its steady count quickly and keeps it; calls beyond it wait for a connection.
        int connections = Math.min(limits.upstreamConcurrency(), MAX_CONNECTIONS) + 1;
        return PoolingHttpClientConnectionManagerBuilder.create()
                .setTlsSocketStrategy(new LazyTls())
                .setMaxConnTotal(connections)
                .setMaxConnPerRoute(connections)
                .setDefaultSocketConfig(SocketConfig.custom().setTcpNoDelay(true).setSoTimeout(wait).build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(limits.upstreamConnectTimeout()))
                        .setSocketTimeout(wait)
                        .setValidateAfterInactivity(VALIDATE_AFTER_IDLE)
                        .build())
                .build();
    }
}
