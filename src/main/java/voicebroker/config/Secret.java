package voicebroker.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import voicebroker.log.Redactor;

/**
 * A secret value (the API key, the broker token). {@link #toString()} never shows it, so it cannot leak
 * through string concatenation, a debugger or an exception message; creating one registers it with the
 * {@link Redactor} so no log line can carry it either.
 */
public final class Secret {
    private final String value;

    private Secret(String value) {
        this.value = value;
        Redactor.register(value);
    }

    public static Secret of(String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("a secret cannot be empty");
        }
        return new Secret(value);
    }

    /** The value itself: call only where it goes to its one legitimate destination. */
    public String reveal() {
        return value;
    }

    /** Compares in time independent of where the inputs differ (hashing first also hides the length). */
    public boolean matches(String candidate) {
        if (candidate == null) {
            return false;
        }
        return MessageDigest.isEqual(sha256(value), sha256(candidate));
    }

    /**
     * True when {@code text} holds the secret or any {@code pieceLength}-character piece of it: a hostile party
     * can echo a secret back in fragments that neither an exact match nor the {@code sk-…} pattern recognise.
     */
    public boolean appearsIn(String text, int pieceLength) {
        if (text == null) {
            return false;
        }
        if (text.contains(value)) {
            return true;
        }
        for (int start = 0; start + pieceLength <= value.length(); start++) {
            if (text.contains(value.substring(start, start + pieceLength))) {
                return true;
            }
        }
        return false;
    }

    /** True when the secret starts with this public prefix (such as {@code sk-}); for telling a key from a typo. */
    public boolean startsWith(String prefix) {
        return value.startsWith(prefix);
    }

    /** True when {@code text} holds the whole secret. */
    public boolean wholeIn(String text) {
        return text != null && text.contains(value);
    }

    /** A masked form for humans: the last four characters and the length, never enough to use. */
    public String masked() {
        String tail = value.length() >= 24 ? value.substring(value.length() - 4) : "";
        return "****" + tail + " (" + value.length() + " chars)";
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public String toString() {
        return "Secret[redacted]";
    }
}
