package voicebroker.log;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * Removes secrets from any text that leaves the process: log lines, error messages, upstream fields.
 * Two layers: the exact secret values this process knows (the API key, the broker token), and patterns for
 * anything that looks like an OpenAI key ({@code sk-…}) or a client secret ({@code ek_…}), including the
 * partial keys providers echo in their error messages.
 */
public final class Redactor {
    private static final List<String> KNOWN = new CopyOnWriteArrayList<>();

    /**
     * The patterns, compiled on first use: the broker registers its secrets on the way to its first answer, and
     * most texts never reach a pattern (see {@link #mayLookLikeKey}).
     */
    private static final class Patterns {
        static final Pattern KEY_LIKE = Pattern.compile(
                "(sk-[A-Za-z0-9_\\-*.]{3,}|ek_[A-Za-z0-9_\\-]{3,}|Bearer\\s+[A-Za-z0-9_\\-.~+/=]{8,})");
        static final Pattern NOT_PRINTABLE = Pattern.compile("[^\\x20-\\x7e]");
    }

    private Redactor() {
    }

    /** Registers a secret value so that every later redaction removes it wherever it appears. */
    public static void register(String secret) {
        if (secret != null && secret.length() >= 8 && !KNOWN.contains(secret)) {
            KNOWN.add(secret);
        }
    }

    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : KNOWN) {
            out = out.replace(secret, "[redacted]");
        }
        return mayLookLikeKey(out) ? Patterns.KEY_LIKE.matcher(out).replaceAll(m -> redactedForm(m.group())) : out;
    }

    /** False when the text holds none of the literal starts of {@code KEY_LIKE}: most log lines, which then skip the regex. */
    private static boolean mayLookLikeKey(String text) {
        return text.contains("sk-") || text.contains("ek_") || text.contains("Bearer");
    }

    private static String redactedForm(String match) {
        if (match.startsWith("Bearer")) {
            return "Bearer [redacted]";
        }
        return match.substring(0, 3) + "[redacted]";
    }

    /**
     * A value from outside (a request header, an upstream field) made safe to echo in a message or log line:
     * secrets removed first (so a cut cannot keep half of one), then at most {@code maxChars}, printable ASCII.
     */
    public static String printable(String value, int maxChars) {
        String redacted = redact(value);
        String cut = redacted.length() > maxChars ? redacted.substring(0, maxChars) : redacted;
        return allPrintable(cut) ? cut : Patterns.NOT_PRINTABLE.matcher(cut).replaceAll("?");
    }

    private static boolean allPrintable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
