package voicebroker.guard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import voicebroker.testkit.SameAsPattern;

/** The guards' shape checks on a fresh broker's first request are loops; each answers as its pattern did. */
class ShapeChecksTest {

    @Test
    void hostHeader() {
        SameAsPattern.check("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._~%!$&'()*+;=-]+)(:\\d{1,5})?", HostGuard::wellFormed,
                "[]:.a9Fg%!/ @", 12, List.of("", "[]", "[::1]", "[::1]:8099", "localhost:8099", "a:", "a:123456", "[::1", "]a"));
    }

    @Test
    void socketTableFieldsSplitAsWhitespaceRuns() {
        Random random = new Random(7);
        String alphabet = "ab0: \t\n\u000b\f\r\u0001";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder line = new StringBuilder();
            for (int n = random.nextInt(16); n > 0; n--) {
                line.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String text = line.toString();
            assertArrayEquals(text.trim().split("\\s+"), PeerUser.fields(text), () -> "'" + text + "'");
        }
    }
}
