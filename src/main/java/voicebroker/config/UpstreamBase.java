package voicebroker.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import voicebroker.net.Ascii;

/**
 * The one upstream the key may ever be sent to, parsed and checked once at start-up (threat model rule 7).
 * Accepts both spellings of {@code OPENAI_BASE_URL}: the root ({@code https://api.openai.com}) and the SDK
 * form ({@code https://api.openai.com/v1}); {@link #root()} is the {@code base} pages receive (no {@code /v1}),
 * {@link #api()} is where the endpoints live.
 */
public record UpstreamBase(URI root, URI api) {
    public static final String DEFAULT = "https://api.openai.com/v1";
    private static final String OPENAI_HOST = "api.openai.com";
    private static final String VAR = "OPENAI_BASE_URL";

    /**
     * @param raw          the variable's value
     * @param allowedHosts extra https hosts ({@code host} or {@code host:port}) from VOICE_ALLOWED_BASE_HOSTS
     */
    public static UpstreamBase parse(String raw, Set<String> allowedHosts) {
        URI uri = toUri(raw.strip());
        String scheme = lower(uri.getScheme());
        String host = lower(uri.getHost());
        if (!"https".equals(scheme) && !"http".equals(scheme)) {
            throw refused(raw, "it must start with https:// (or http:// for a server on this machine).");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw refused(raw, "it must not carry user-info, a query or a fragment.");
        }
        if (host == null || host.isEmpty() || host.endsWith(".")) {
            throw refused(raw, "its host is missing or malformed.");
        }
        boolean loopback = isLoopbackHost(host);
        if ("http".equals(scheme) && !loopback) {
            throw refused(raw, "plain http is only allowed to a server on this machine (localhost, 127.0.0.1, [::1]).");
        }
        if (!loopback) {
            checkRemoteHost(raw, host, uri.getPort(), allowedHosts);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!isPlainPath(path)) {
            throw refused(raw, "its path must be plain segments such as /v1 (no '..', '%', or special characters).");
        }
        if (OPENAI_HOST.equals(host) && !path.isEmpty() && !path.equals("/") && !path.equals("/v1") && !path.equals("/v1/")) {
            throw refused(raw, "api.openai.com is only served at / or /v1.");
        }
        return fromCheckedParts(scheme, uri.getRawAuthority().toLowerCase(Locale.ROOT), stripSlash(path));
    }

    private static UpstreamBase fromCheckedParts(String scheme, String authority, String path) {
        String rootPath = path.endsWith("/v1") ? path.substring(0, path.length() - 3) : path;
        String prefix = scheme + "://" + authority;
        return new UpstreamBase(URI.create(prefix + rootPath), URI.create(prefix + rootPath + "/v1"));
    }

    private static void checkRemoteHost(String raw, String host, int port, Set<String> allowedHosts) {
        if (!isHostName(host)) {
            throw refused(raw, "its host must be a plain ASCII host name (no IP literals other than loopback, no IDN).");
        }
        boolean defaultPort = port == -1 || port == 443;
        boolean listed = OPENAI_HOST.equals(host) || allowedHosts.contains(host);
        if (defaultPort && listed) {
            return;
        }
        if (!defaultPort && allowedHosts.contains(host + ":" + port)) {
            return;
        }
        if (listed) {
            throw refused(raw, "port " + port + " is not allowed for " + host + ".",
                    "use the default https port, or list '" + host + ":" + port + "' in VOICE_ALLOWED_BASE_HOSTS.");
        }
        throw refused(raw, "host " + host + " is not on the allowlist.",
                "use https://api.openai.com/v1, or add '" + host + "' to VOICE_ALLOWED_BASE_HOSTS if you trust it with the key.");
    }

    /** {@code localhost}, any 127.0.0.0/8 literal, or {@code [::1]}: a compatible server on this machine. */
    public static boolean isLoopbackHost(String host) {
        if (host.equals("localhost") || host.equals("[::1]")) {
            return true;
        }
        String[] octets = host.split("\\.", -1);
        if (octets.length != 4 || !octets[0].equals("127")) {
            return false;
        }
        for (int i = 1; i < 4; i++) {
            if (!isOctet(octets[i])) {
                return false;
            }
        }
        return true;
    }

    // The shapes below are loops rather than regular expressions: they run on every start, on the way to the
    // first answer, where compiling a pattern costs more than the whole check.

    /** {@code 25[0-5]|2[0-4]\d|1?\d?\d}: 0 to 255 in decimal, with a leading zero only in two digits ("07"). */
    private static boolean isOctet(String text) {
        if (!Ascii.digits(text, 1, 3)) {
            return false;
        }
        return text.length() < 3 || ((text.charAt(0) == '1' || text.charAt(0) == '2') && Integer.parseInt(text) <= 255);
    }

    /** {@code (/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*}{@code /?}: plain segments, none empty or starting with a dot. */
    static boolean isPlainPath(String path) {
        int i = 0;
        while (i < path.length()) {
            if (path.charAt(i) != '/') {
                return false;
            }
            i++;
            if (i == path.length()) {
                return true; // the one trailing slash
            }
            if (!isPathChar(path.charAt(i)) || path.charAt(i) == '.') {
                return false;
            }
            while (i < path.length() && isPathChar(path.charAt(i))) {
                i++;
            }
        }
        return true;
    }

    /** {@code [A-Za-z0-9._~-]} */
    private static boolean isPathChar(char c) {
        return Ascii.letterOrDigit(c) || c == '.' || c == '_' || c == '~' || c == '-';
    }

    /** {@code [a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*}: lower-case labels joined by single dots. */
    static boolean isHostName(String host) {
        for (String label : host.split("\\.", -1)) {
            if (label.isEmpty() || label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                if (!Ascii.lowerOrDigit(label.charAt(i)) && label.charAt(i) != '-') {
                    return false;
                }
            }
        }
        return true;
    }

    private static URI toUri(String raw) {
        if (Ascii.hasInvisible(raw)) {
            throw refused(raw, "it contains spaces, control or non-ASCII characters.");
        }
        try {
            return new URI(raw);
        } catch (URISyntaxException e) {
            throw refused(raw, "it is not a valid URL (" + e.getReason() + ").");
        }
    }

    private static ConfigException refused(String raw, String problem) {
        return refused(raw, problem, "set it to https://api.openai.com/v1, a loopback http:// server, "
                + "or an https host listed in VOICE_ALLOWED_BASE_HOSTS.");
    }

    private static ConfigException refused(String raw, String problem, String fix) {
        return new ConfigException("base_not_allowed", VAR, "'" + raw + "' is refused: " + problem, fix);
    }

    private static String stripSlash(String path) {
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    public boolean isLoopback() {
        return isLoopbackHost(lower(api.getHost()));
    }

    /** An absolute endpoint under {@code /v1}, e.g. {@code endpoint("/realtime/client_secrets")}. */
    public URI endpoint(String path) {
        return URI.create(api + path);
    }

    /** The WebRTC calls endpoint the page posts its SDP offer to. */
    public String callsUrl() {
        return api + "/realtime/calls";
    }

    /** The WebSocket endpoint for the model, for pages that use WebSocket instead of WebRTC. */
    public String wsUrl(String model) {
        String http = api.toString(); // http or https, as parse requires: the WebSocket scheme is ws or wss
        return "ws" + http.substring("http".length()) + "/realtime?model=" + java.net.URLEncoder.encode(model, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The {@code base} field of health and mint answers: the root without {@code /v1}. */
    public String rootString() {
        return root.toString();
    }
}
