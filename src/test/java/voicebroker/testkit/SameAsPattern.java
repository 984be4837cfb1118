package voicebroker.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Checks a hand-written shape check against the regular expression it replaces: the same answer for the given
 * edge cases and for many random strings over an alphabet that holds every character the pattern cares about
 * and a few it refuses. The pattern stays here, as the check's specification.
 */
public final class SameAsPattern {
    private static final int RANDOM_STRINGS = 20_000;

    private SameAsPattern() {
    }

    public static void check(String regex, Predicate<String> loop, String alphabet, int maxLength, List<String> edges) {
        check(regex, loop, random -> {
            StringBuilder text = new StringBuilder();
            for (int n = random.nextInt(maxLength + 1); n > 0; n--) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            return text.toString();
        }, edges);
    }

    /** As above, with the random strings made by {@code candidates}, for shapes an alphabet rarely hits. */
    public static void check(String regex, Predicate<String> loop, Function<Random, String> candidates, List<String> edges) {
        Pattern pattern = Pattern.compile(regex);
        for (String edge : edges) {
            assertEquals(pattern.matcher(edge).matches(), loop.test(edge), () -> "'" + edge + "' against " + regex);
        }
        Random random = new Random(regex.hashCode()); // fixed per pattern: a failure repeats
        int matched = 0;
        for (int i = 0; i < RANDOM_STRINGS; i++) {
            String candidate = candidates.apply(random);
            boolean expected = pattern.matcher(candidate).matches();
            assertEquals(expected, loop.test(candidate), () -> "'" + candidate + "' against " + regex);
            matched += expected ? 1 : 0;
        }
        assertTrue(matched > RANDOM_STRINGS / 100, "the alphabet must make matches common enough to compare: " + matched);
    }
}
