package voicebroker.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a {@code .env} file ({@code KEY=value}, optional {@code export}, quotes, {@code #} comments) and merges
 * it under the real environment: a variable set in the environment always wins.
 */
public final class DotEnv {
    private DotEnv() {
    }

    public static Map<String, String> merged(Map<String, String> environment, Path dotEnvFile) {
        Map<String, String> merged = new HashMap<>(read(dotEnvFile));
        merged.putAll(environment);
        return Map.copyOf(merged);
    }

    static Map<String, String> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Map.of();
        }
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ConfigException("unreadable_env_file", file.getFileName().toString(),
                    "the .env file could not be read (" + e.getClass().getSimpleName() + ").",
                    "make the file readable by this user, or remove it.");
        }
    }

    static Map<String, String> parse(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String raw : text.split("\\R")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring("export ".length()).strip();
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            values.put(line.substring(0, eq).strip(), unquote(line.substring(eq + 1).strip()));
        }
        return values;
    }

    private static String unquote(String value) {
        if (value.length() >= 2) {
            char first = value.charAt(0);
            if ((first == '"' || first == '\'') && value.charAt(value.length() - 1) == first) {
                return value.substring(1, value.length() - 1);
            }
        }
        int comment = value.indexOf(" #");
        return comment >= 0 ? value.substring(0, comment).strip() : value;
    }
}
