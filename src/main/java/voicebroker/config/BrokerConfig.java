package voicebroker.config;

import java.net.InetAddress;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import voicebroker.net.Origin;

/**
 * The broker's whole configuration, parsed once at start-up by {@link ConfigLoader} and immutable after.
 * Nothing else in the broker reads the environment. Build one with {@link #builder()}: every setting has a name
 * and a safe default, so a caller (the loader, a test) says only what differs.
 *
 * @param apiKey          the provider key; empty means the broker runs but answers {@code no_key}
 * @param base            the single upstream the key may be sent to
 * @param bind            the loopback literals to listen on
 * @param bindIsDefault   true when VOICE_BIND was not set (then a missing IPv6 stack is skipped quietly)
 * @param port            the listening port
 * @param allowedOrigins  exact origins allowed to call (compared as whole strings)
 * @param token           the local gate token
 * @param tokenGenerated  true when the token was generated for this process (and must be published)
 * @param tokenHeader     an extra header name accepted for the token, besides Authorization: Bearer
 * @param runtimeDir      where the runtime file goes
 * @param models          model fallback order
 * @param templates       session template per mode
 * @param secretTtlSeconds {@code expires_after.seconds} for minted secrets
 * @param warmSecret      keep one fresh secret ready per (mode, voice, model)
 * @param proxy           HTTPS_PROXY / NO_PROXY for upstream calls
 * @param limits          every bound
 */
public record BrokerConfig(
        Optional<Secret> apiKey,
        UpstreamBase base,
        List<InetAddress> bind,
        boolean bindIsDefault,
        int port,
        List<String> allowedOrigins,
        Secret token,
        boolean tokenGenerated,
        Optional<String> tokenHeader,
        Path runtimeDir,
        List<String> models,
        SessionTemplates templates,
        int secretTtlSeconds,
        boolean warmSecret,
        ProxySettings proxy,
        Limits limits) {

    public BrokerConfig {
        bind = List.copyOf(bind);
        // Every origin is checked here, so no BrokerConfig can hold one a browser would never send.
        List<String> spelled = new ArrayList<>(allowedOrigins.size());
        for (String origin : allowedOrigins) { // loops, not streams, here and below: they run on the way to readiness
            spelled.add(Origin.parse(origin).toString());
        }
        allowedOrigins = List.copyOf(spelled);
        models = List.copyOf(models);
        if (allowedOrigins.isEmpty() || models.isEmpty() || bind.isEmpty()) {
            throw new IllegalArgumentException("a broker needs at least one origin, model and bind address");
        }
    }

    /** A builder with the defaults of an unconfigured broker, except the runtime directory, which has none. */
    public static Builder builder() {
        return new Builder();
    }

    /** The allowed origins as values, for the guards that compare request headers with them. */
    public List<Origin> origins() {
        List<Origin> origins = new ArrayList<>(allowedOrigins.size());
        for (String origin : allowedOrigins) {
            origins.add(Origin.parse(origin));
        }
        return List.copyOf(origins);
    }

    public boolean keyed() {
        return apiKey.isPresent();
    }

    /**
     * A salted digest of everything that decides how the broker behaves (key, base, port, models, ...) except
     * the allowed origins, which the runtime file lists in plain so the launcher can tell whether a running
     * broker already allows the origins a caller needs. Written to the runtime file so the launcher can tell a
     * broker with stale configuration from a current one without ever storing the key itself.
     */
    public String fingerprint(String salt) {
        StringBuilder material = new StringBuilder(salt).append('\n')
                .append(apiKey.map(Secret::reveal).orElse("")).append('\n')
                .append(base.api()).append('\n')
                .append(port).append('\n')
                .append(String.join(",", models)).append('\n')
                // in a stable order: the launcher compares fingerprints computed in different processes
                .append(templates.describe()).append('\n')
                // a configured token is part of the contract with the dashboard; a generated one is not
                .append(tokenGenerated ? "" : token.reveal()).append('\n')
                .append(secretTtlSeconds).append('\n')
                .append(tokenHeader.orElse("")).append('\n')
                .append(warmSecret);
        return sha256(material.toString());
    }

    /** A salted digest of the key alone, so the launcher can say that it is the key that changed. */
    public String keyFingerprint(String salt) {
        return sha256(salt + "\n" + apiKey.map(Secret::reveal).orElse(""));
    }

    private static String sha256(String material) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(material.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bind addresses that are not loopback: empty unless the documented test switch opened the broker wider. */
    public List<String> bindBeyondLoopback() {
        List<String> beyond = new java.util.ArrayList<>();
        for (InetAddress address : bind) { // a loop, not a stream: the runtime file, which the readiness line waits for, lists them
            if (!address.isLoopbackAddress()) {
                beyond.add(address.getHostAddress());
            }
        }
        return List.copyOf(beyond);
    }

    /** Names every setting of a {@link BrokerConfig}; unset ones keep the defaults an empty environment gives. */
    public static final class Builder {
        private Optional<Secret> apiKey = Optional.empty();
        private UpstreamBase base;
        private List<InetAddress> bind = List.of(InetAddress.getLoopbackAddress());
        private boolean bindIsDefault = true;
        private int port = ConfigLoader.DEFAULT_PORT;
        private List<String> allowedOrigins = List.of(ConfigLoader.DEFAULT_ORIGINS.split(","));
        private Secret token;
        private boolean tokenGenerated = true;
        private Optional<String> tokenHeader = Optional.empty();
        private Path runtimeDir;
        private List<String> models = List.of(ConfigLoader.DEFAULT_MODELS.split(","));
        private SessionTemplates templates;
        private int secretTtlSeconds = ConfigLoader.DEFAULT_SECRET_TTL_SECONDS;
        private boolean warmSecret;
        private ProxySettings proxy = ProxySettings.none();
        private Limits limits = Limits.defaults();

        private Builder() {
        }

        public Builder apiKey(Optional<Secret> value) {
            apiKey = value;
            return this;
        }

        public Builder apiKey(Secret value) {
            return apiKey(Optional.of(value));
        }

        public Builder base(UpstreamBase value) {
            base = value;
            return this;
        }

        /** The addresses to listen on; {@code isDefault} says they were not configured (a missing IPv6 stack is then fine). */
        public Builder bind(List<InetAddress> value, boolean isDefault) {
            bind = value;
            bindIsDefault = isDefault;
            return this;
        }

        public Builder port(int value) {
            port = value;
            return this;
        }

        public Builder allowedOrigins(List<String> value) {
            allowedOrigins = value;
            return this;
        }

        /** A token chosen by the user (part of the dashboard's contract), as opposed to one generated per start. */
        public Builder configuredToken(Secret value) {
            token = value;
            tokenGenerated = false;
            return this;
        }

        /** A token made for this process, which the broker publishes in its runtime file. */
        public Builder generatedToken(Secret value) {
            token = value;
            tokenGenerated = true;
            return this;
        }

        public Builder tokenHeader(Optional<String> value) {
            tokenHeader = value;
            return this;
        }

        public Builder runtimeDir(Path value) {
            runtimeDir = value;
            return this;
        }

        public Builder models(List<String> value) {
            models = value;
            return this;
        }

        public Builder templates(SessionTemplates value) {
            templates = value;
            return this;
        }

        public Builder secretTtlSeconds(int value) {
            secretTtlSeconds = value;
            return this;
        }

        public Builder warmSecret(boolean value) {
            warmSecret = value;
            return this;
        }

        public Builder proxy(ProxySettings value) {
            proxy = value;
            return this;
        }

        public Builder limits(Limits value) {
            limits = value;
            return this;
        }

        public BrokerConfig build() {
            if (runtimeDir == null) {
                throw new IllegalStateException("a BrokerConfig needs a runtime directory: it is where the token is published");
            }
            return new BrokerConfig(apiKey, base != null ? base : UpstreamBase.parse(UpstreamBase.DEFAULT, java.util.Set.of()),
                    bind, bindIsDefault, port, allowedOrigins, token != null ? token : ConfigLoader.generateToken(), tokenGenerated,
                    tokenHeader, runtimeDir, models, templates != null ? templates : SessionTemplates.builtIn(), secretTtlSeconds,
                    warmSecret, proxy, limits);
        }
    }
}
