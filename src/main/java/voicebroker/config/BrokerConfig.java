package voicebroker.config;

import java.net.InetAddress;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The broker's whole configuration, parsed once at start-up by {@link ConfigLoader} and immutable after.
 * Nothing else in the broker reads the environment.
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
        allowedOrigins = List.copyOf(allowedOrigins);
        models = List.copyOf(models);
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
        return bind.stream().filter(address -> !address.isLoopbackAddress()).map(java.net.InetAddress::getHostAddress).toList();
    }
}
