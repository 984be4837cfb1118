package voicebroker.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@code .env} file the way dotenv does and merges it under the real environment: a variable set in the
 * environment always wins. Rules, per entry: an optional {@code export } prefix; {@code NAME=value} with spaces
 * around {@code =} allowed; a value in single quotes is literal; a value in double quotes expands {@code \n},
 * {@code \r}, {@code \t}, {@code \"} and {@code \\}; both kinds may span lines; an unquoted value ends at a
 * {@code #} that follows whitespace (an inline comment) and is trimmed; the rest of the line after a closing quote
 * is ignored (a comment). Lines that are not entries are skipped. Nothing here ever prints a value: errors name the line only.
 *
 * <p>Some variables may only come from the real environment ({@link #ENVIRONMENT_ONLY}): they widen who can
 * reach the broker or where the key may go, and a {@code .env} file is just a file in a working directory (a
 * cloned repository can bring one).
 */
public final class DotEnv {
    /** Variables a {@code .env} file must not set; setting one there stops the start with {@code env_file_not_allowed}. */
    static final Set<String> ENVIRONMENT_ONLY = Set.of("VOICE_UNSAFE_TEST_BIND", "VOICE_BIND", "VOICE_ALLOWED_BASE_HOSTS");

    private DotEnv() {
    }

    public static Map<String, String> merged(Map<String, String> environment, Path dotEnvFile) {
        Map<String, String> fromFile = read(dotEnvFile);
        for (String name : ENVIRONMENT_ONLY) {
            if (fromFile.containsKey(name)) {
                throw new ConfigException("env_file_not_allowed", name, name + " is set in " + dotEnvFile.getFileName()
                        + "; it may only come from the real environment, because it widens who can reach the broker or where the key may go.",
                        "remove it from " + dotEnvFile.getFileName() + " and set it in the environment of the command, if you really mean it.");
            }
        }
        Map<String, String> merged = new HashMap<>(fromFile);
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
        return new Parser(text.replace("\r\n", "\n").replace('\r', '\n')).entries();
    }

    /** A small cursor over the file: one entry at a time, a skipped line when it is not one. */
    private static final class Parser {
        private final String text;
        private int at;

        Parser(String text) {
            this.text = text;
        }

        Map<String, String> entries() {
            Map<String, String> values = new LinkedHashMap<>();
            while (at < text.length()) {
                int lineStart = at;
                skipBlanks();
                if (startsWith("export ") || startsWith("export\t")) {
                    at += "export".length();
                    skipBlanks();
                }
                String name = name();
                skipBlanks();
                if (name.isEmpty() || !startsWith("=")) {
                    skipLine();
                    continue;
                }
                at++;
                skipBlanks();
                String value = value();
                if (value == null) {
                    at = lineStart;
                    skipLine();
                    continue;
                }
                values.put(name, value);
            }
            return values;
        }

        private String name() {
            int start = at;
            while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || "_.-".indexOf(text.charAt(at)) >= 0)) {
                at++;
            }
            String name = text.substring(start, at);
            return name.isEmpty() || Character.isDigit(name.charAt(0)) ? "" : name;
        }

        /** The value, leaving the cursor at the next line; null when a quote is never closed. */
        private String value() {
            if (startsWith("'") || startsWith("\"")) {
                char quote = text.charAt(at);
                StringBuilder out = new StringBuilder();
                for (at++; at < text.length(); at++) {
                    char c = text.charAt(at);
                    if (c == quote) {
                        at++;
                        skipLine();
                        return out.toString();
                    }
                    if (quote == '"' && c == '\\' && at + 1 < text.length()) {
                        out.append(unescape(text.charAt(++at)));
                    } else {
                        out.append(c);
                    }
                }
                return null;
            }
            int end = text.indexOf('\n', at);
            String line = text.substring(at, end < 0 ? text.length() : end);
            at = end < 0 ? text.length() : end + 1;
            for (int i = 0; i < line.length(); i++) {
                if (line.charAt(i) == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                    return line.substring(0, i).strip();
                }
            }
            return line.strip();
        }

        private static String unescape(char c) {
            return switch (c) {
                case 'n' -> "\n";
                case 'r' -> "\r";
                case 't' -> "\t";
                case '"' -> "\"";
                case '\\' -> "\\";
                default -> "\\" + c;
            };
        }

        private boolean startsWith(String prefix) {
            return text.startsWith(prefix, at);
        }

        private void skipBlanks() {
            while (at < text.length() && (text.charAt(at) == ' ' || text.charAt(at) == '\t')) {
                at++;
            }
        }

        private void skipLine() {
            int end = text.indexOf('\n', at);
            at = end < 0 ? text.length() : end + 1;
        }
    }
}
