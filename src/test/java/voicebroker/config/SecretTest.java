package voicebroker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SecretTest {
    private final Secret key = Secret.of("sk-test-secrettest-ABCDEFGHIJKLMNOPQRSTUV");

    @Test
    void findsTheSecretOrAnyPieceOfIt() {
        assertTrue(key.appearsIn("echo sk-test-secrettest-ABCDEFGHIJKLMNOPQRSTUV", 8));
        assertTrue(key.appearsIn("Incorrect API key provided: ...HIJKLMNO...", 8), "a middle piece");
        assertTrue(key.appearsIn("ends in OPQRSTUV", 8), "the last piece");
        assertFalse(key.appearsIn("ends in PQRSTUV", 8), "seven characters are not a piece");
        assertFalse(key.appearsIn("nothing here", 8));
        assertFalse(key.appearsIn(null, 8));
        assertTrue(Secret.of("tiny").appearsIn("a tiny one", 8), "a secret shorter than a piece is matched whole");
    }

    @Test
    void neverPrintsItself() {
        assertEquals("Secret[redacted]", key.toString());
        assertFalse(key.masked().contains("ABCDEFGH"));
    }

    @Test
    void theOnePassScanFindsExactlyWhatAPieceByPieceSearchFinds() {
        java.util.Random random = new java.util.Random(42);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVsk-te_é€ 0123";
        for (int round = 0; round < 2000; round++) {
            StringBuilder text = new StringBuilder();
            for (int i = 0, n = random.nextInt(60); i < n; i++) {
                text.append(random.nextInt(4) == 0 ? key.reveal().charAt(random.nextInt(key.reveal().length()))
                        : alphabet.charAt(random.nextInt(alphabet.length())));
            }
            if (random.nextInt(3) == 0) {
                int start = random.nextInt(key.reveal().length() - 8);
                text.insert(random.nextInt(text.length() + 1), key.reveal(), start, start + 8 + random.nextInt(2) - 1);
            }
            for (int pieceLength : new int[] {4, 8, 12}) {
                assertEquals(pieceByPiece(key.reveal(), text.toString(), pieceLength), key.appearsIn(text.toString(), pieceLength),
                        "piece length " + pieceLength + " in: " + text);
            }
        }
    }

    @Test
    void oneScanForSeveralSecretsFindsWhatAskingEachFinds() {
        Secret token = Secret.of("tok-0123456789abcdefghij_KLMNOPQRSTUVWXYZ-secrettest");
        Secret accented = Secret.of("clé-secrettest-ÀÉÎÕÜ-0123456789");
        java.util.Random random = new java.util.Random(7);
        for (java.util.List<Secret> secrets : java.util.List.of(java.util.List.of(key, token), java.util.List.of(key, token, accented))) {
            String pool = secrets.stream().map(Secret::reveal).reduce("", String::concat) + "xyz é€ ";
            for (int round = 0; round < 2000; round++) {
                StringBuilder text = new StringBuilder();
                for (int i = 0, n = random.nextInt(80); i < n; i++) {
                    text.append(random.nextInt(3) == 0 ? pool.charAt(random.nextInt(pool.length())) : (char) ('a' + random.nextInt(26)));
                }
                if (random.nextInt(3) == 0) {
                    String secret = secrets.get(random.nextInt(secrets.size())).reveal();
                    int start = random.nextInt(secret.length() - 8);
                    text.insert(random.nextInt(text.length() + 1), secret, start, start + 7 + random.nextInt(2));
                }
                for (int pieceLength : new int[] {4, 8}) {
                    String shown = text.toString();
                    boolean each = secrets.stream().anyMatch(secret -> secret.appearsIn(shown, pieceLength));
                    assertEquals(each, Secret.anyIn(secrets, pieceLength).test(shown), "piece length " + pieceLength + " in: " + shown);
                }
            }
        }
        assertFalse(Secret.anyIn(java.util.List.of(key, token), 8).test(null));
    }

    private static boolean pieceByPiece(String secret, String text, int pieceLength) {
        if (text.contains(secret)) {
            return true;
        }
        for (int start = 0; start + pieceLength <= secret.length(); start++) {
            if (text.contains(secret.substring(start, start + pieceLength))) {
                return true;
            }
        }
        return false;
    }
}
