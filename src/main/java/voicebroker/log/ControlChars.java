package voicebroker.log;

/**
 * Makes text safe to print on a terminal: every control character becomes a visible escape. Request methods,
 * paths, header values and upstream fields reach log lines, and a terminal obeys ESC sequences in them (OSC 52
 * writes the clipboard, others retitle the window or move the cursor), BEL rings, a bare CR or LF forges a line,
 * and bidirectional overrides make a line read differently from what it holds.
 */
public final class ControlChars {
    private ControlChars() {
    }

    /** The text with C0, DEL, C1, line and paragraph separators and bidi controls written as {@code \xNN} or a backslash-u escape. */
    public static String escape(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isControl(c)) {
                if (out == null) {
                    out = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                out.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f)
                || c == '\u2028' || c == '\u2029'
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') || c == '\u200e' || c == '\u200f'
                || c == '\u061c';
    }
}
