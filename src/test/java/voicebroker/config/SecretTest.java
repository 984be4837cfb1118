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
}
