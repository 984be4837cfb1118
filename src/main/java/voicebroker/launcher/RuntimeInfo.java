package voicebroker.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import voicebroker.config.BrokerConfig;
import voicebroker.runtime.RuntimeFile;

/**
 * What a broker wrote about itself in its runtime file. Holds the broker token, so {@link #toString()} leaves
 * it out; only {@code /__start_voice}, {@code voice mint} and {@code voice start --json --with-token} use it.
 */
public record RuntimeInfo(Path file, long pid, String url, String token, Optional<String> tokenHeader, boolean keyed,
                          String base, List<String> allowedOrigins, Optional<Instant> startedAt, String salt,
                          String fingerprint) {

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
                node.path("salt").asText(""), node.path("fingerprint").asText(""));
    }

    private static Optional<Instant> instant(String text) {
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** True when {@code config} is what this broker was started with (compared by salted fingerprint only). */
    public boolean matches(BrokerConfig config) {
        return !salt.isEmpty() && config.fingerprint(salt).equals(fingerprint);
    }

    public Optional<Duration> uptime() {
        return startedAt.map(start -> Duration.between(start, Instant.now()));
    }

    @Override
    public String toString() {
        return "RuntimeInfo[pid=" + pid + ", url=" + url + ", token=[redacted], file=" + file + "]";
    }
}
