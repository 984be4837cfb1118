package voicebroker.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import voicebroker.log.Redactor;

/**
 * A secret value (the API key, the broker token). {@link #toString()} never shows it, so it cannot leak
 * through string concatenation, a debugger or an exception message; creating one registers it with the
 * {@link Redactor} so no log line can carry it either.
 */
public final class Secret {
    private final String value;
    /** The value's SHA-256, made on first use: every token check compares against it. */
    private volatile byte[] digest;
    /** The packed pieces for the last piece length asked, made on first use. */
    private volatile Pieces pieces;

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
        byte[] own = digest;
        if (own == null) {
            own = sha256(value);
            digest = own;
        }
        return MessageDigest.isEqual(own, sha256(candidate));
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
        Pieces packed = pieces;
        if (packed == null || packed.length != pieceLength) {
            packed = Pieces.of(value, pieceLength);
            pieces = packed;
        }
        if (packed != null) {
            return packed.foundIn(text);
        }
        for (int start = 0; start + pieceLength <= value.length(); start++) {
            if (text.contains(value.substring(start, start + pieceLength))) {
                return true;
            }
        }
        return false;
    }

    /**
     * A test for "{@code text} holds any of {@code secrets}, or a {@code pieceLength}-character piece of one", the
     * same as asking each secret's {@link #appearsIn}, made once for a fixed set: their pieces share one table, so
     * a text is scanned once however many secrets there are.
     */
    public static Predicate<String> anyIn(List<Secret> secrets, int pieceLength) {
        List<Secret> all = List.copyOf(secrets);
        List<String> values = new ArrayList<>(all.size());
        for (Secret secret : all) {
            values.add(secret.value);
        }
        Pieces shared = Pieces.of(values, pieceLength);
        if (shared == null) {
            return text -> all.stream().anyMatch(secret -> secret.appearsIn(text, pieceLength));
        }
        // A whole secret holds all its pieces, so the one pass finds whole secrets too.
        return text -> text != null && shared.foundIn(text);
    }

    /**
     * Every piece of an ASCII secret, up to 8 characters each, packed into a {@code long} and kept in a small
     * open-addressing table: one pass over the text with one table probe per position, instead of one search
     * through the text per piece. It runs on every mint (the body and the answer are both checked), so it must
     * cost microseconds.
     */
    private static final class Pieces {
        final int length;
        private final long[] table; // 0 marks an empty slot: a packed piece of printable characters is never 0
        private final int shift;

        private Pieces(int length, long[] table, int shift) {
            this.length = length;
            this.table = table;
            this.shift = shift;
        }

        static Pieces of(String value, int length) {
            return of(List.of(value), length);
        }

        /** The pieces of all {@code values} in one table; null when one is not ASCII or shorter than a piece, or pieces do not fit in a long: the plain search handles those. */
        static Pieces of(List<String> values, int length) {
            if (length < 1 || length > Long.BYTES) {
                return null;
            }
            int count = 0;
            for (String value : values) { // loops, not streams: the broker makes its table on the way to readiness
                if (value.length() < length || !isAscii(value)) {
                    return null;
                }
                count += value.length() - length + 1;
            }
            int bits = 32 - Integer.numberOfLeadingZeros(count * 4 - 1); // at most a quarter full: misses end at once
            long[] table = new long[1 << bits];
            Pieces pieces = new Pieces(length, table, 64 - bits);
            for (String value : values) {
                for (int start = 0; start + length <= value.length(); start++) {
                    long packed = 0;
                    for (int i = start; i < start + length; i++) {
                        packed = (packed << 8) | value.charAt(i);
                    }
                    pieces.add(packed);
                }
            }
            return pieces;
        }

        /** No NUL and nothing beyond ASCII: each character fits in a byte of a packed piece, and none packs to 0. */
        private static boolean isAscii(String value) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == 0 || c >= 0x80) {
                    return false;
                }
            }
            return true;
        }

        private int slot(long packed) {
            return (int) ((packed * 0x9E3779B97F4A7C15L) >>> shift);
        }

        private void add(long packed) {
            int i = slot(packed);
            while (table[i] != 0 && table[i] != packed) {
                i = (i + 1) & (table.length - 1);
            }
            table[i] = packed;
        }

        private boolean contains(long packed) {
            for (int i = slot(packed); table[i] != 0; i = (i + 1) & (table.length - 1)) {
                if (table[i] == packed) {
                    return true;
                }
            }
            return false;
        }

        boolean foundIn(String text) {
            long mask = length == Long.BYTES ? -1L : (1L << (8 * length)) - 1;
            long window = 0;
            int run = 0; // ASCII characters in a row ending here: a piece can only end after `length` of them
            for (int i = 0, n = text.length(); i < n; i++) {
                char c = text.charAt(i);
                if (c == 0 || c >= 0x80) {
                    run = 0;
                    continue;
                }
                window = ((window << 8) | c) & mask;
                if (++run >= length && contains(window)) {
                    return true;
                }
            }
            return false;
        }
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
        return Sha256.fresh().digest(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * SHA-256 digests cloned from one made on first use: every token check hashes the candidate, and looking the
     * algorithm up among the security providers each time cost more than the hashing.
     */
    private static final class Sha256 {
        private static final MessageDigest PROTOTYPE = prototype();

        static MessageDigest fresh() {
            try {
                return (MessageDigest) PROTOTYPE.clone();
            } catch (CloneNotSupportedException e) {
                return prototype(); // a provider whose digest cannot be cloned: look it up each time
            }
        }

        private static MessageDigest prototype() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every JDK", e);
            }
        }
    }

    @Override
    public String toString() {
        return "Secret[redacted]";
    }
}
