package voicebroker.net;

/**
 * ASCII character classes for the shape checks of names, hosts, ports and paths. They run on the way to the
 * first answer, where a compiled regular expression costs its classes and its compilation in a cold JVM;
 * each method is what the bracket expression in its comment matches ({@code \d} is ASCII in Java).
 */
public final class Ascii {
    private Ascii() {
    }

    /** {@code [0-9]} */
    public static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    /** {@code [a-z0-9]} */
    public static boolean lowerOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || digit(c);
    }

    /** {@code [A-Za-z0-9]} */
    public static boolean letterOrDigit(char c) {
        return (c >= 'A' && c <= 'Z') || lowerOrDigit(c);
    }

    /** {@code [0-9A-Fa-f]} */
    public static boolean hexDigit(char c) {
        return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** {@code \d{min,max}}: only digits, at least {@code min} and at most {@code max} of them. */
    public static boolean digits(String text, int min, int max) {
        if (text.length() < min || text.length() > max) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!digit(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** True when some character is not visible ASCII ({@code !} to {@code ~}): a space, a control character, DEL or beyond ASCII. */
    public static boolean hasInvisible(String text) {
        return hasInvisible(text, 0, text.length());
    }

    /** {@link #hasInvisible(String)} for the characters from {@code from} up to {@code to}. */
    public static boolean hasInvisible(CharSequence text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return true;
            }
        }
        return false;
    }
}
