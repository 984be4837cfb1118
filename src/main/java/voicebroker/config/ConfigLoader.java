package voicebroker.config;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import voicebroker.net.Ascii;
import voicebroker.net.IpLiteral;
import voicebroker.net.Origin;

/**
 * Turns the environment (and a {@code .env} file; the real environment wins) into a {@link BrokerConfig}.
 * Each problem becomes one {@link ConfigException} that names the variable, what is wrong and the fix.
 */
public final class ConfigLoader {
    public static final String DEFAULT_ORIGINS = "http://localhost:5173,http://127.0.0.1:5173";
    public static final String DEFAULT_MODELS = "gpt-realtime,gpt-realtime-2";
    public static final int DEFAULT_PORT = 8099;
    public static final int DEFAULT_SECRET_TTL_SECONDS = 600;
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "origin", "cookie", "content-type",
            "content-length", "transfer-encoding", "connection");

    private final Env env;

    private ConfigLoader(Map<String, String> variables) {
        this.env = new Env(variables);
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
        return env.integer("VOICE_PORT", DEFAULT_PORT, 1, 65535, "bad_port", "a TCP port");
    }

    private BrokerConfig build() {
        List<String> models = models();
        boolean bindIsDefault = !env.isSet("VOICE_BIND");
        BrokerConfig.Builder config = BrokerConfig.builder()
                .apiKey(apiKey())
                .base(UpstreamBase.parse(env.text("OPENAI_BASE_URL", UpstreamBase.DEFAULT), allowedBaseHosts()))
                .bind(bind(bindIsDefault), bindIsDefault)
                .port(port())
                .allowedOrigins(origins())
                .tokenHeader(tokenHeader())
                .runtimeDir(runtimeDir())
                .models(models)
                .templates(templates(models.get(0)))
                .secretTtlSeconds(env.integer("VOICE_SECRET_TTL", DEFAULT_SECRET_TTL_SECONDS, 10, 7200, "bad_ttl",
                        "a number of seconds"))
                .warmSecret(env.flag("VOICE_WARM_SECRET"))
                .proxy(ProxySettings.from(env.variables()))
                .limits(limits());
        configuredToken().ifPresentOrElse(config::configuredToken, () -> config.generatedToken(generateToken()));
        return config.build();
    }

    private Optional<Secret> apiKey() {
        String key = env.text("OPENAI_API_KEY");
        if (key.isEmpty()) {
            return Optional.empty();
        }
        if (Ascii.hasInvisible(key) || key.indexOf('"') >= 0 || key.indexOf('\'') >= 0) {
            throw new ConfigException("bad_key", "OPENAI_API_KEY", "the key contains spaces, quotes or non-ASCII characters, so it cannot be a key.",
                    "paste the key again without quotes or line breaks (in .env, quote the whole value or nothing: OPENAI_API_KEY=\"sk-...\").");
        }
        return Optional.of(Secret.of(key));
    }

    private Set<String> allowedBaseHosts() {
        Set<String> hosts = new LinkedHashSet<>();
        for (String entry : env.list("VOICE_ALLOWED_BASE_HOSTS", "")) {
            String host = entry.toLowerCase(Locale.ROOT);
            if (!isAllowedHostEntry(host)) {
                throw new ConfigException("base_not_allowed", "VOICE_ALLOWED_BASE_HOSTS",
                        "'" + entry + "' is not a plain host name or host:port.",
                        "list host names such as my-resource.openai.azure.com, comma-separated.");
            }
            hosts.add(host);
        }
        return hosts;
    }

    private List<InetAddress> bind(boolean isDefault) {
        boolean unsafe = env.flag("VOICE_UNSAFE_TEST_BIND");
        List<InetAddress> addresses = new ArrayList<>();
        for (String literal : env.list("VOICE_BIND", "127.0.0.1,::1")) {
            InetAddress address = IpLiteral.parse(literal).orElseThrow(() -> new ConfigException("bind_not_loopback", "VOICE_BIND",
                    "'" + literal + "' is not an IP literal.", "use IP literals such as 127.0.0.1 or ::1, never host names."));
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

    /** Binds ::1 once to see; with a server socket, as the listeners bind, so the probe loads nothing they would not. */
    private static boolean ipv6Available() {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private List<String> origins() {
        List<String> origins = new ArrayList<>();
        for (String origin : env.list("VOICE_ALLOWED_ORIGINS", DEFAULT_ORIGINS)) {
            origins.add(checkOrigin(origin));
        }
        if (origins.isEmpty()) {
            throw new ConfigException("bad_origin", "VOICE_ALLOWED_ORIGINS", "no origin is listed.",
                    "list the dashboard's origins, e.g. http://localhost:5173.");
        }
        return origins;
    }

    /** An origin must be written exactly as a browser sends it, or the exact comparison could never match. */
    private static String checkOrigin(String origin) {
        try {
            return Origin.parse(origin).toString();
        } catch (Origin.Invalid e) {
            throw new ConfigException("bad_origin", "VOICE_ALLOWED_ORIGINS", "'" + origin + "' is not a valid origin: " + e.reason() + ".",
                    "write each origin exactly as the browser sends it: scheme://host[:port], lower case, "
                            + "no path or trailing slash, e.g. http://localhost:5173.");
        }
    }

    private Optional<Secret> configuredToken() {
        String inline = env.text("VOICE_BROKER_TOKEN");
        String file = env.text("VOICE_BROKER_TOKEN_FILE");
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
        if (token.length() < 32 || Ascii.hasInvisible(token)) {
            throw new ConfigException("bad_token_config", variable,
                    "the token must be at least 32 printable ASCII characters without spaces (it has " + token.length() + ").",
                    "use a long random token, e.g. the output of 'openssl rand -base64 32', or unset it to get a generated one.");
        }
        return Secret.of(token);
    }

    /** 256 random bits, URL-safe. */
    static Secret generateToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Secret.of(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    private Optional<String> tokenHeader() {
        String name = env.text("VOICE_TOKEN_HEADER");
        if (name.isEmpty()) {
            return Optional.empty();
        }
        if (!isHeaderName(name) || RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))
                || name.equalsIgnoreCase("authorization")) {
            throw new ConfigException("bad_token_config", "VOICE_TOKEN_HEADER", "'" + name + "' cannot carry the token.",
                    "use a custom header name such as X-Dashboard-Token.");
        }
        return Optional.of(name.toLowerCase(Locale.ROOT));
    }

    private Path runtimeDir() {
        String dir = env.text("VOICE_RUNTIME_DIR");
        if (!dir.isEmpty()) {
            return Path.of(dir).toAbsolutePath();
        }
        String state = env.text("XDG_STATE_HOME");
        Path base = state.isEmpty() ? Path.of(env.text("HOME", System.getProperty("user.home")), ".local", "state") : Path.of(state);
        return base.resolve("voice-broker").toAbsolutePath();
    }

    private List<String> models() {
        List<String> models = env.list("VOICE_MODELS", DEFAULT_MODELS);
        for (String model : models) {
            if (!isModelName(model)) {
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
        String file = env.text("VOICE_SESSION_TEMPLATES");
        return file.isEmpty() ? SessionTemplates.builtIn() : SessionTemplates.load(Path.of(file), firstModel);
    }

    private Limits limits() {
        Limits defaults = Limits.defaults();
        Duration timeout = env.seconds("VOICE_UPSTREAM_TIMEOUT", defaults.upstreamTimeout(), 1, 120, "bad_number");
        int concurrency = env.integer("VOICE_UPSTREAM_CONCURRENCY", defaults.upstreamConcurrency(), 1, 256, "bad_number",
                "a number of upstream calls");
        int perMinute = env.integer("VOICE_CALLS_PER_MINUTE", defaults.callsPerMinute(), 1, 1_000_000, "bad_number",
                "a number of upstream calls per minute");
        return defaults.withUpstreamTimeout(timeout).withCallRates(concurrency, perMinute);
    }

    // The shapes below are written out as loops rather than regular expressions: they run on every start, on
    // the way to the first answer, where compiling a pattern costs more than the whole check.

    /** {@code [a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?}: a lower-case host name, optionally with a port. */
    static boolean isAllowedHostEntry(String entry) {
        int colon = entry.indexOf(':');
        String host = colon < 0 ? entry : entry.substring(0, colon);
        if (colon >= 0 && !Ascii.digits(entry.substring(colon + 1), 1, 5)) {
            return false;
        }
        if (host.isEmpty() || !Ascii.lowerOrDigit(host.charAt(0)) || !Ascii.lowerOrDigit(host.charAt(host.length() - 1))) {
            return false;
        }
        for (int i = 1; i < host.length() - 1; i++) {
            char c = host.charAt(i);
            if (!Ascii.lowerOrDigit(c) && c != '.' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** {@code [A-Za-z0-9][A-Za-z0-9-]{0,63}} */
    static boolean isHeaderName(String name) {
        return isName(name, 64, "-");
    }

    /** {@code [A-Za-z0-9][A-Za-z0-9._:-]{0,99}} */
    static boolean isModelName(String model) {
        return isName(model, 100, "._:-");
    }

    /** A letter or digit, then letters, digits and {@code punctuation}, {@code maxLength} characters at most. */
    private static boolean isName(String text, int maxLength, String punctuation) {
        if (text.isEmpty() || text.length() > maxLength || !Ascii.letterOrDigit(text.charAt(0))) {
            return false;
        }
        for (int i = 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Ascii.letterOrDigit(c) && punctuation.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }
}
