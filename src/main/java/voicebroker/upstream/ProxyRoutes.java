package voicebroker.upstream;

import org.apache.hc.client5.http.impl.DefaultSchemePortResolver;
import org.apache.hc.client5.http.impl.routing.DefaultRoutePlanner;
import org.apache.hc.client5.http.routing.HttpRoutePlanner;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.protocol.HttpContext;
import voicebroker.config.ProxySettings;

/**
 * Sends upstream calls through {@code HTTPS_PROXY} unless {@code NO_PROXY} (or a loopback target) says to go
 * straight. An https target goes through the proxy as a CONNECT tunnel, so the proxy never sees the key.
 */
final class ProxyRoutes {
    private ProxyRoutes() {
    }

    static HttpRoutePlanner planner(ProxySettings settings) {
        HttpHost proxy = settings.proxy().map(uri -> new HttpHost("http", uri.getHost(), uri.getPort() == -1 ? 80 : uri.getPort()))
                .orElse(null);
        return new DefaultRoutePlanner(DefaultSchemePortResolver.INSTANCE) {
            @Override
            protected HttpHost determineProxy(HttpHost target, HttpContext context) {
                return settings.proxyFor(target.getHostName()).isPresent() ? proxy : null;
            }
        };
    }
}
