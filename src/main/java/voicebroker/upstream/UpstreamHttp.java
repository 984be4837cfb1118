package voicebroker.upstream;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.cookie.CookieSpecFactory;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
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
 * do, in order: pool keep-alive connections (one is reused for sequential calls), connect within the connect
 * timeout, never wait on a silent socket longer than the upstream timeout, verify TLS with the JDK's defaults,
 * go through the proxy the environment names, repeat a call only when a kept-alive connection turns out closed
 * ({@link StaleConnectionRetry}), and never follow a redirect, decompress or keep cookies.
 */
final class UpstreamHttp {
    /** A pooled connection idle this long is checked before reuse, so a call is never sent on one the upstream closed. */
    private static final TimeValue VALIDATE_AFTER_IDLE = TimeValue.ofSeconds(2);
    /** Kept-alive upstream connections at most: a call holds one for one round trip, so a few serve many callers. */
    static final int MAX_CONNECTIONS = 16;

    private UpstreamHttp() {
    }

    static CloseableHttpClient build(BrokerConfig config) {
        Limits limits = config.limits();
        Timeout wait = Timeout.of(limits.upstreamTimeout());
        // One per call in flight (the call budget's cap) up to MAX_CONNECTIONS, plus one for the warm-up: a broker
        // under load reaches its steady count quickly and keeps it; calls beyond it wait for a connection.
        int connections = Math.min(limits.upstreamConcurrency(), MAX_CONNECTIONS) + 1;
        var pool = PoolingHttpClientConnectionManagerBuilder.create()
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
        return HttpClients.custom()
                .setConnectionManager(pool)
                .setRoutePlanner(ProxyRoutes.planner(config.proxy()))
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setRedirectsEnabled(false)
                        .setProtocolUpgradeEnabled(false)
                        .setConnectionRequestTimeout(wait)
                        .setResponseTimeout(wait)
                        .build())
                .disableRedirectHandling()
                .setRetryStrategy(new StaleConnectionRetry())
                .disableContentCompression()
                .disableCookieManagement()
                // No cookie specs: the default ones parse the public suffix list, ~50 ms of CPU for nothing.
                .setDefaultCookieSpecRegistry(RegistryBuilder.<CookieSpecFactory>create().build())
                .disableAuthCaching()
                .disableConnectionState()
                .build();
    }
}
