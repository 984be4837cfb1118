package voicebroker.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/** Every log line reaches the terminal or file with its control characters escaped, whatever level or source. */
class LogTest {
    @TempDir
    Path dir;

    @AfterEach
    void backToStandardError() {
        Log.toStandardError();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "OSC 52 in a method cannot write the clipboard  | GET\\u001b]52;c;ZWNobyBwd25lZA==\\u0007 /  | GET\\x1b]52;c;ZWNobyBwd25lZA==\\x07 /",
            "a CR LF in a header value cannot forge a line   | Origin: a\\r\\n2026 INFO forged             | Origin: a\\x0d\\x0a2026 INFO forged",
            "C1 CSI cannot move the cursor                   | path \\u009b2J                             | path \\x9b2J",
            "DEL and NUL are visible                         | a\\u007fb\\u0000c                          | a\\x7fb\\x00c",
            "a bidi override cannot reorder the line         | key \\u202eyek                             | key \\u202eyek",
            "a Unicode line separator cannot break the line  | one\\u2028two                              | one\\u2028two",
            "printable text, accents included, is unchanged   | POST /api/session 200 café                | POST /api/session 200 café",
    })
    void everyControlCharacterIsEscapedAtTheChokePoint(String threat, String raw, String logged) throws Exception {
        Path file = dir.resolve("broker.log");
        Log.toFile(file, 1 << 20);
        Log.warn(unescape(raw));
        String written = Files.readString(file, StandardCharsets.UTF_8);
        String line = written.substring(0, written.length() - 1);
        assertTrue(written.endsWith("\n") && line.chars().noneMatch(c -> ControlChars.isControl((char) c)), threat + ": " + line);
        assertEquals(logged, line.substring(line.indexOf(" WARN ") + 6), threat);
    }

    @ParameterizedTest
    @CsvSource({
            "1764645368406, 2025-12-02T03:16:08.406Z",
            "1764645368000, 2025-12-02T03:16:08.000Z",
            "1764645368999, 2025-12-02T03:16:08.999Z",
            "1764645369007, 2025-12-02T03:16:09.007Z",
            "0,             1970-01-01T00:00:00.000Z",
    })
    void linesAreStampedInUtcToTheMillisecond(long epochMillis, String stamp) {
        assertEquals(stamp, Log.timestamp(epochMillis));
        assertEquals(java.time.Instant.ofEpochMilli(epochMillis), java.time.Instant.parse(Log.timestamp(epochMillis)));
    }

    /** The table writes control characters as Java escapes so it stays readable. */
    private static String unescape(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && text.charAt(i + 1) == 'u') {
                out.append((char) Integer.parseInt(text.substring(i + 2, i + 6), 16));
                i += 5;
            } else if (c == '\\' && text.charAt(i + 1) == 'r') {
                out.append('\r');
                i++;
            } else if (c == '\\' && text.charAt(i + 1) == 'n') {
                out.append('\n');
                i++;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
