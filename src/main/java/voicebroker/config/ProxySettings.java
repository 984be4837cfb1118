package voicebroker.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code HTTPS_PROXY} / {@code NO_PROXY} (either case), as curl and the OpenAI SDKs read them. The JDK's
 * {@code HttpClient} ignores these variables, so the broker parses them here and installs a selector.
 *
 * @param proxy   host and port of the proxy, if any
 * @param noProxy host names or domain suffixes that bypass the proxy; {@code *} bypasses it for all
 */
public record ProxySettings(Optional<URI> proxy, List<String> noProxy) {

    public ProxySettings {
        noProxy = List.copyOf(noProxy);
    }

    public static ProxySettings none() {
        return new ProxySettings(Optional.empty(), List.of());
    }

    static ProxySettings from(Map<String, String> env) {
        String raw = firstSet(env, "HTTPS_PROXY", "https_proxy");
        List<String> noProxy = new ArrayList<>();
        for (String entry : firstSet(env, "NO_PROXY", "no_proxy").split(",")) { // a loop: this runs on the way to readiness
            String host = entry.strip().toLowerCase(Locale.ROOT);
            if (!host.isEmpty()) {
                noProxy.add(host);
            }
        }
        if (raw.isBlank()) {
            return new ProxySettings(Optional.empty(), noProxy);
        }
        String value = raw.strip();
        boolean hasScheme = value.contains("://");
        URI uri;
        try {
            uri = URI.create(hasScheme ? value : "http://" + value);
        } catch (IllegalArgumentException e) {
            throw badProxy(raw, "it is not a URL.");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw badProxy(raw, "the scheme '" + scheme + "' is not supported; the broker uses HTTP proxies (CONNECT).");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null) {
            throw badProxy(raw, uri.getRawUserInfo() != null ? "proxy credentials in the URL are not supported."
                    : "it has no host.");
        }
        boolean bare = (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))
                && uri.getRawQuery() == null && uri.getRawFragment() == null;
        // A word without scheme or port ("notaurl", a pasted variable name) is a mistake, not a proxy on port 80.
        if (!bare || (!hasScheme && uri.getPort() == -1)) {
            throw badProxy(raw, "it is neither http://host:port nor host:port.");
        }
        return new ProxySettings(Optional.of(uri), noProxy);
    }

    /** The proxy that calls to {@code host} go through: none when no proxy is set or the host bypasses it. */
    public Optional<URI> proxyFor(String host) {
        return bypasses(host) ? Optional.empty() : proxy;
    }

    /** True when requests to {@code host} must go straight, not through the proxy. */
    public boolean bypasses(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (UpstreamBase.isLoopbackHost(h)) {
            return true;
        }
        for (String entry : noProxy) {
            String suffix = entry.startsWith(".") ? entry.substring(1) : entry;
            if (entry.equals("*") || h.equals(suffix) || h.endsWith("." + suffix)) {
                return true;
            }
        }
        return false;
    }

    private static String firstSet(Map<String, String> env, String upper, String lower) {
        String value = env.get(upper);
        if (value == null || value.isBlank()) {
            value = env.get(lower);
        }
        return value == null ? "" : value;
    }

    private static ConfigException badProxy(String raw, String problem) {
        return new ConfigException("bad_proxy", "HTTPS_PROXY", "the proxy setting is refused: " + problem,
                "set it to http://host:port, or unset it.");
    }
}
