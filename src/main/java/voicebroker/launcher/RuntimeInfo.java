package voicebroker.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import voicebroker.config.BrokerConfig;
import voicebroker.runtime.RuntimeFile;

/**
 * What a broker wrote about itself in its runtime file. Holds the broker token, so {@link #toString()} leaves
 * it out; only {@code /__start_voice}, {@code voice mint} and {@code voice start --json --with-token} use it.
 *
 * @param startedBy who started it and so owns it: {@code "voice"} (a shell) or {@code "dev server"} (a
 *                  dev server's launcher, in whose process it runs and with which it ends)
 */
public record RuntimeInfo(Path file, long pid, String url, String token, Optional<String> tokenHeader, boolean keyed,
                          String base, List<String> allowedOrigins, Optional<Instant> startedAt, String salt,
                          String fingerprint, String keyFingerprint, String startedBy) {
    public static final String STARTED_BY_SHELL = "voice";
    public static final String STARTED_BY_DEV_SERVER = "dev server";

    public RuntimeInfo {
        allowedOrigins = List.copyOf(allowedOrigins);
    }

    /** The file's contents, or empty when it is missing or not a broker's runtime file. */
    public static Optional<RuntimeInfo> read(Path file) {
        return RuntimeFile.read(file).filter(node -> "voice-broker".equals(node.path("service").asText()))
                .filter(node -> node.path("pid").canConvertToLong() && node.path("pid").asLong() > 0)
                .map(node -> fromJson(file, node));
    }

    private static RuntimeInfo fromJson(Path file, JsonNode node) {
        List<String> origins = new ArrayList<>();
        node.path("allowed_origins").forEach(origin -> origins.add(origin.asText()));
        String header = node.path("token_header").asText("");
        return new RuntimeInfo(file, node.path("pid").asLong(), node.path("url").asText(""), node.path("token").asText(""),
                header.isEmpty() ? Optional.empty() : Optional.of(header), node.path("keyed").asBoolean(false),
                node.path("base").asText(""), origins, instant(node.path("started_at").asText("")),
                node.path("salt").asText(""), node.path("fingerprint").asText(""), node.path("key_fingerprint").asText(""),
                node.path("started_by").asText(STARTED_BY_SHELL));
    }

    /** What a broker writes into its runtime file once it listens on {@code url}. */
    public static Map<String, Object> contents(BrokerConfig config, String url, long pid, String startedBy) {
        byte[] saltBytes = new byte[16];
        new SecureRandom().nextBytes(saltBytes);
        String salt = HexFormat.of().formatHex(saltBytes);
        Map<String, Object> contents = new LinkedHashMap<>();
        contents.put("service", "voice-broker");
        contents.put("pid", pid);
        contents.put("port", config.port());
        contents.put("url", url);
        contents.put("token", config.token().reveal());
        contents.put("token_header", config.tokenHeader().orElse(null));
        contents.put("keyed", config.keyed());
        contents.put("base", config.base().rootString());
        contents.put("allowed_origins", config.allowedOrigins());
        contents.put("beyond_loopback", config.bindBeyondLoopback());
        contents.put("started_at", Instant.now().toString());
        contents.put("started_by", startedBy);
        contents.put("salt", salt);
        contents.put("fingerprint", config.fingerprint(salt));
        contents.put("key_fingerprint", config.keyFingerprint(salt));
        return contents;
    }

    private static Optional<Instant> instant(String text) {
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /**
     * What about this broker does not serve a caller with {@code config} that needs {@code neededOrigins}
     * allowed, in words, or empty when it serves it as it is. Only a difference that changes an answer counts:
     * a broker that allows more origins than the caller needs serves it (a dashboard's broker also allows
     * {@code [::1]}, a shell's default does not ask for it), so two starters with different origin lists do
     * not restart each other's broker in turn.
     */
    public Optional<String> difference(BrokerConfig config, Collection<String> neededOrigins) {
        if (salt.isEmpty()) {
            return Optional.of("its runtime file has no configuration fingerprint");
        }
        if (!config.keyFingerprint(salt).equals(keyFingerprint)) {
            return Optional.of(config.keyed() ? "the OpenAI key differs" : "it has an OpenAI key and this configuration has none");
        }
        if (!config.base().rootString().equals(base)) {
            return Optional.of("the upstream base differs (" + base + " running, " + config.base().rootString() + " configured)");
        }
        List<String> missing = neededOrigins.stream().filter(origin -> !allowedOrigins.contains(origin)).toList();
        if (!missing.isEmpty()) {
            return Optional.of("it does not allow the origin" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing)
                    + " (it allows " + String.join(", ", allowedOrigins) + ")");
        }
        if (!config.fingerprint(salt).equals(fingerprint)) {
            return Optional.of("a setting differs (models, session templates, configured token, token header, secret TTL or warm secret)");
        }
        return Optional.empty();
    }

    /** True when this broker runs inside the process asking (a dev server's launcher that became the broker). */
    public boolean inThisProcess() {
        return pid == ProcessHandle.current().pid();
    }

    public Optional<Duration> uptime() {
        return startedAt.map(start -> Duration.between(start, Instant.now()));
    }

    @Override
    public String toString() {
        return "RuntimeInfo[pid=" + pid + ", url=" + url + ", token=[redacted], file=" + file + "]";
    }
}
