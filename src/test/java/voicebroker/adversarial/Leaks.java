package voicebroker.adversarial;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Looks for secrets in text that left the broker: the whole secret, or any {@value #WINDOW}-character piece of
 * it (an upstream that echoes "sk-test-abcd…" leaks as surely as one that echoes all of it). Sightings are kept
 * per arena and in one suite-wide list, which {@code LeakScanIT} reads at the end.
 */
final class Leaks {
    /** The shortest piece of a secret that counts as a leak; the broker's masked form shows only four characters. */
    static final int WINDOW = 12;
    private static final List<String> SUITE = new CopyOnWriteArrayList<>();
    private static final AtomicLong SCANNED = new AtomicLong();

    private final String owner;
    private final List<String> secrets;
    private final List<String> sightings = new CopyOnWriteArrayList<>();

    Leaks(String owner, List<String> secrets) {
        this.owner = owner;
        this.secrets = List.copyOf(secrets);
    }

    void scan(String where, String text) {
        for (String secret : secrets) {
            String piece = leakedPiece(text, secret);
            if (piece != null) {
                int at = text.indexOf(piece);
                String around = text.substring(Math.max(0, at - 200), Math.min(text.length(), at + 100)).replaceAll("[^\\x20-\\x7e]", "?");
                String sighting = owner + ": " + where + " holds '" + piece + "' in …" + around + "…";
                sightings.add(sighting);
                SUITE.add(sighting);
            }
        }
        SCANNED.incrementAndGet();
    }

    void assertNone() {
        if (!sightings.isEmpty()) {
            throw new AssertionError("secrets leaked: " + sightings);
        }
    }

    /** The first {@value #WINDOW}-character piece of {@code secret} that {@code text} contains, or null. */
    static String leakedPiece(String text, String secret) {
        if (text == null || secret == null || secret.length() < WINDOW) {
            return null;
        }
        for (int start = 0; start + WINDOW <= secret.length(); start++) {
            String piece = secret.substring(start, start + WINDOW);
            if (text.contains(piece)) {
                return piece;
            }
        }
        return null;
    }

    /** Every sighting anywhere in this test JVM so far. */
    static List<String> suiteSightings() {
        return new ArrayList<>(SUITE);
    }

    /** How many texts were scanned in this test JVM so far. */
    static long suiteScans() {
        return SCANNED.get();
    }
}
