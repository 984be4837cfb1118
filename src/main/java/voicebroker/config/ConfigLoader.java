package voicebroker.config;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the environment (and a {@code .env} file; the real environment wins) into a {@link BrokerConfig}.
 * Each problem becomes one {@link ConfigException} that names the variable, what is wrong and the fix.
 */
public final class ConfigLoader {
    public static final String DEFAULT_ORIGINS = "http://localhost:5173,http://127.0.0.1:5173";
    public static final String DEFAULT_MODELS = "gpt-realtime,gpt-realtime-2";
    public static final int DEFAULT_PORT = 8099;
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,63}");
    private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,99}");
    private static final Pattern DEFAULT_PORT_ORIGIN = Pattern.compile("(http://[^/:]+):80|(https://[^/:]+):443");
    private static final Pattern ALLOWED_HOST = Pattern.compile("[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\\d{1,5})?");
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "origin", "cookie", "content-type",
            "content-length", "transfer-encoding", "connection");

    private final Map<String, String> env;

    private ConfigLoader(Map<String, String> env) {
        this.env = env;
    }

    /** Loads from the process environment and {@code .env} in the working directory. */
    public static BrokerConfig fromEnvironment() {
        return load(DotEnv.merged(System.getenv(), Path.of(".env")));
    }

    public static BrokerConfig load(Map<String, String> env) {
        return new ConfigLoader(env).build();
    }

    /** Where the broker of {@code env} listens and keeps its runtime file, read without the rest of the configuration. */
    public record Location(int port, Path runtimeDir) {
    }

    /**
     * Only VOICE_PORT and VOICE_RUNTIME_DIR: enough to find a running broker, so stopping or inspecting it works
     * even when another setting of the current environment is broken.
     */
    public static Location location(Map<String, String> env) {
        ConfigLoader loader = new ConfigLoader(env);
        return new Location(loader.port(), loader.runtimeDir());
    }

    private int port() {
        return intVar("VOICE_PORT", DEFAULT_PORT, 1, 65535, "a TCP port such as 8099");
    }

    private BrokerConfig build() {
        List<String> models = models();
        boolean bindIsDefault = blank("VOICE_BIND");
        int port = port();
        Optional<String> tokenHeader = tokenHeader();
        Optional<Secret> configuredToken = configuredToken();
        return new BrokerConfig(
                apiKey(),
                UpstreamBase.parse(get("OPENAI_BASE_URL", UpstreamBase.DEFAULT), allowedBaseHosts()),
                bind(bindIsDefault),
                bindIsDefault,
                port,
                origins(),
                configuredToken.orElseGet(ConfigLoader::generateToken),
                configuredToken.isEmpty(),
                tokenHeader,
                runtimeDir(),
                models,
                templates(models.get(0)),
                intVar("VOICE_SECRET_TTL", 600, 10, 7200, "a number of seconds"),
                flag("VOICE_WARM_SECRET"),
                ProxySettings.from(env),
                limits());
    }

    private Optional<Secret> apiKey() {
        String key = get("OPENAI_API_KEY", "").strip();
        if (key.isEmpty()) {
            return Optional.empty();
        }
        if (key.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f || c == '"' || c == '\'')) {
            throw new ConfigException("bad_key", "OPENAI_API_KEY", "the key contains spaces, quotes or non-ASCII characters, so it cannot be a key.",
                    "paste the key again without quotes or line breaks (in .env, quote the whole value or nothing: OPENAI_API_KEY=\"sk-...\").");
        }
        return Optional.of(Secret.of(key));
    }

    private Set<String> allowedBaseHosts() {
        Set<String> hosts = new LinkedHashSet<>();
        for (String entry : list("VOICE_ALLOWED_BASE_HOSTS", "")) {
            String host = entry.toLowerCase(Locale.ROOT);
            if (!ALLOWED_HOST.matcher(host).matches()) {
                throw new ConfigException("base_not_allowed", "VOICE_ALLOWED_BASE_HOSTS",
                        "'" + entry + "' is not a plain host name or host:port.",
                        "list host names such as my-resource.openai.azure.com, comma-separated.");
            }
            hosts.add(host);
        }
        return hosts;
    }

    private List<InetAddress> bind(boolean isDefault) {
        boolean unsafe = flag("VOICE_UNSAFE_TEST_BIND");
        List<InetAddress> addresses = new ArrayList<>();
        for (String literal : list("VOICE_BIND", "127.0.0.1,::1")) {
            InetAddress address = ipLiteral(literal);
            if (!address.isLoopbackAddress() && !unsafe) {
                throw new ConfigException("bind_not_loopback", "VOICE_BIND",
                        "'" + literal + "' is not a loopback address; the broker only listens on this machine.",
                        "use 127.0.0.1 and/or ::1 (the default).");
            }
            if (isDefault && address instanceof Inet6Address && !ipv6Available()) {
                continue;
            }
            addresses.add(address);
        }
        return addresses;
    }

    private static InetAddress ipLiteral(String literal) {
        String bare = literal.startsWith("[") && literal.endsWith("]") ? literal.substring(1, literal.length() - 1) : literal;
        boolean looksLiteral = IPV4.matcher(bare).matches() || (bare.contains(":") && bare.matches("[0-9A-Fa-f:.]+"));
        try {
            if (looksLiteral) {
                return InetAddress.getByName(bare); // a literal: no name lookup happens
            }
        } catch (UnknownHostException e) {
            // fall through to the error below
        }
        throw new ConfigException("bind_not_loopback", "VOICE_BIND", "'" + literal + "' is not an IP literal.",
                "use IP literals such as 127.0.0.1 or ::1, never host names.");
    }

    private static boolean ipv6Available() {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(new java.net.InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private List<String> origins() {
        List<String> origins = new ArrayList<>();
        for (String origin : list("VOICE_ALLOWED_ORIGINS", DEFAULT_ORIGINS)) {
            origins.add(checkOrigin(origin));
        }
        if (origins.isEmpty()) {
            throw new ConfigException("bad_origin", "VOICE_ALLOWED_ORIGINS", "no origin is listed.",
                    "list the dashboard's origins, e.g. http://localhost:5173.");
        }
        return origins;
    }

    /** An origin must be written exactly as a browser sends it, or the exact comparison could never match. */
    static String checkOrigin(String origin) {
        String fix = "write each origin exactly as the browser sends it: scheme://host[:port], lower case, "
                + "no path or trailing slash, e.g. http://localhost:5173.";
        try {
            URI uri = new URI(origin);
            String scheme = uri.getScheme();
            boolean plain = uri.getHost() != null && uri.getRawUserInfo() == null && uri.getRawQuery() == null
                    && uri.getRawFragment() == null && (uri.getRawPath() == null || uri.getRawPath().isEmpty());
            boolean defaultPort = ("http".equals(scheme) && uri.getPort() == 80) || ("https".equals(scheme) && uri.getPort() == 443);
            String canonical = scheme + "://" + (uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT))
                    + (uri.getPort() == -1 || defaultPort ? "" : ":" + uri.getPort());
            if (plain && ("http".equals(scheme) || "https".equals(scheme)) && canonical.equals(origin)) {
                return origin;
            }
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        throw new ConfigException("bad_origin", "VOICE_ALLOWED_ORIGINS", "'" + origin + "' is not a valid origin" + why(origin) + ".", fix);
    }

    /** The specific reason for the near misses people write, so the fix is the one that applies. */
    private static String why(String origin) {
        Matcher defaultPort = DEFAULT_PORT_ORIGIN.matcher(origin);
        if (defaultPort.matches()) {
            String bare = defaultPort.group(1) != null ? defaultPort.group(1) : defaultPort.group(2);
            return ": browsers leave the default port out of Origin, so write it as " + bare;
        }
        if (origin.endsWith("/")) {
            return ": browsers send no trailing slash, so write it as " + origin.replaceAll("/+$", "");
        }
        if (!origin.equals(origin.toLowerCase(Locale.ROOT))) {
            return ": browsers send it in lower case, so write it as " + origin.toLowerCase(Locale.ROOT);
        }
        return "";
    }

    private Optional<Secret> configuredToken() {
        String inline = get("VOICE_BROKER_TOKEN", "").strip();
        String file = get("VOICE_BROKER_TOKEN_FILE", "").strip();
        if (!inline.isEmpty() && !file.isEmpty()) {
            throw new ConfigException("bad_token_config", "VOICE_BROKER_TOKEN", "both VOICE_BROKER_TOKEN and VOICE_BROKER_TOKEN_FILE are set.",
                    "set only one of them.");
        }
        if (!file.isEmpty()) {
            return Optional.of(checkToken(readTokenFile(Path.of(file)), "VOICE_BROKER_TOKEN_FILE"));
        }
        return inline.isEmpty() ? Optional.empty() : Optional.of(checkToken(inline, "VOICE_BROKER_TOKEN"));
    }

    private static String readTokenFile(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new ConfigException("bad_token_config", "VOICE_BROKER_TOKEN_FILE", "'" + file + "' cannot be read ("
                    + e.getClass().getSimpleName() + ").", "point it at a readable file that holds the token.");
        }
    }

    private static Secret checkToken(String token, String variable) {
        if (token.length() < 32 || token.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
            throw new ConfigException("bad_token_config", variable,
                    "the token must be at least 32 printable ASCII characters without spaces (it has " + token.length() + ").",
                    "use a long random token, e.g. the output of 'openssl rand -base64 32', or unset it to get a generated one.");
        }
        return Secret.of(token);
    }

    /** 256 random bits, URL-safe. */
    private static Secret generateToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Secret.of(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    private Optional<String> tokenHeader() {
        String name = get("VOICE_TOKEN_HEADER", "").strip();
        if (name.isEmpty()) {
            return Optional.empty();
        }
        if (!HEADER_NAME.matcher(name).matches() || RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))
                || name.equalsIgnoreCase("authorization")) {
            throw new ConfigException("bad_token_config", "VOICE_TOKEN_HEADER", "'" + name + "' cannot carry the token.",
                    "use a custom header name such as X-Dashboard-Token.");
        }
        return Optional.of(name.toLowerCase(Locale.ROOT));
    }

    private Path runtimeDir() {
        String dir = get("VOICE_RUNTIME_DIR", "").strip();
        if (!dir.isEmpty()) {
            return Path.of(dir).toAbsolutePath();
        }
        String state = get("XDG_STATE_HOME", "").strip();
        Path base = state.isEmpty() ? Path.of(get("HOME", System.getProperty("user.home")), ".local", "state") : Path.of(state);
        return base.resolve("voice-broker").toAbsolutePath();
    }

    private List<String> models() {
        List<String> models = list("VOICE_MODELS", DEFAULT_MODELS);
        for (String model : models) {
            if (!MODEL.matcher(model).matches()) {
                throw new ConfigException("bad_models", "VOICE_MODELS", "'" + model + "' is not a model name.",
                        "list model names in fallback order, e.g. gpt-realtime,gpt-realtime-2.");
            }
        }
        if (models.isEmpty()) {
            throw new ConfigException("bad_models", "VOICE_MODELS", "no model is listed.", "unset it, or list at least one model.");
        }
        return models;
    }

    private SessionTemplates templates(String firstModel) {
        String file = get("VOICE_SESSION_TEMPLATES", "").strip();
        return file.isEmpty() ? SessionTemplates.builtIn() : SessionTemplates.load(Path.of(file), firstModel);
    }

    private Limits limits() {
        Limits defaults = Limits.defaults();
        int timeout = intVar("VOICE_UPSTREAM_TIMEOUT", (int) defaults.upstreamTimeout().toSeconds(), 1, 120,
                "a number of seconds");
        int concurrency = intVar("VOICE_UPSTREAM_CONCURRENCY", defaults.upstreamConcurrency(), 1, 256,
                "a number of upstream calls");
        int perMinute = intVar("VOICE_CALLS_PER_MINUTE", defaults.callsPerMinute(), 1, 1_000_000,
                "a number of upstream calls per minute");
        return defaults.withUpstreamTimeout(Duration.ofSeconds(timeout)).withCallRates(concurrency, perMinute);
    }

    /** Every number names its range and default when refused: "out of range" alone sends the user to the docs. */
    private int intVar(String name, int fallback, int min, int max, String what) {
        String expected = what + " from " + min + " to " + max;
        String raw = get(name, "").strip();
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        String code = name.equals("VOICE_PORT") ? "bad_port" : name.equals("VOICE_SECRET_TTL") ? "bad_ttl" : "bad_number";
        throw new ConfigException(code, name, "'" + raw + "' is not " + expected + ".",
                "set it to " + expected + ", or unset it (default " + fallback + ").");
    }

    private boolean flag(String name) {
        String raw = get(name, "").strip().toLowerCase(Locale.ROOT);
        return raw.equals("1") || raw.equals("true") || raw.equals("yes");
    }

    private List<String> list(String name, String fallback) {
        String raw = get(name, "");
        String value = raw.isBlank() ? fallback : raw;
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private boolean blank(String name) {
        return get(name, "").isBlank();
    }

    private String get(String name, String fallback) {
        String value = env.get(name);
        return value == null ? fallback : value;
    }
}
