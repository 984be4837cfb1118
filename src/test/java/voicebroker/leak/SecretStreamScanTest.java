package voicebroker.leak;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import voicebroker.config.Secret;

class SecretStreamScanTest {
    private static final String KEY = "sk-test-streamscan-ABCDEFGHIJKLMNOPQRSTUV";
    private static final String TOKEN = "a-broker-token-of-at-least-32-characters-x";
    private static final SecretScrub SCRUB = new SecretScrub(List.of(Secret.of(KEY), Secret.of(TOKEN)));

    /** Writes {@code text} in chunks of {@code size} bytes, as an upstream's reads would arrive. */
    private static void writeInChunks(SecretStreamScan scan, byte[] bytes, int size) throws IOException {
        for (int at = 0; at < bytes.length; at += size) {
            scan.write(bytes, at, Math.min(size, bytes.length - at));
            scan.flush();
        }
    }

    @ParameterizedTest(name = "chunks of {0} bytes")
    @ValueSource(ints = {1, 3, 7, 20, 41, 42, 64, 4096})
    void aSecretSplitAcrossChunksIsCutBeforeAnyOfItPasses(int chunk) throws IOException {
        for (String secret : List.of(KEY, TOKEN)) {
            ByteArrayOutputStream page = new ByteArrayOutputStream();
            byte[] audio = ("ID3\u0004" + "#".repeat(100) + "Bearer " + secret + "~".repeat(100)).getBytes(StandardCharsets.ISO_8859_1);
            SecretStreamScan scan = SCRUB.watch(page);
            assertThrows(SecretStreamScan.SecretFound.class, () -> writeInChunks(scan, audio, chunk));
            scan.close();
            String sent = new String(audio, StandardCharsets.ISO_8859_1);
            assertEquals(sent.substring(0, sent.indexOf(secret)), page.toString(StandardCharsets.ISO_8859_1),
                    "everything before the secret passed, not a byte of it or after it");
            assertThrows(SecretStreamScan.SecretFound.class, () -> scan.write(1), "the stream stays cut");
        }
    }

    @ParameterizedTest(name = "chunks of {0} bytes")
    @ValueSource(ints = {1, 5, 42, 16384})
    void ordinaryAudioPassesWholeAndInOrder(int chunk) throws IOException {
        byte[] audio = new byte[50_000];
        for (int i = 0; i < audio.length; i++) {
            audio[i] = (byte) (i * 31 + 7);
        }
        // A near miss too: the key less its last character, which must pass as it is.
        byte[] nearMiss = KEY.substring(0, KEY.length() - 1).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(nearMiss, 0, audio, 1000, nearMiss.length);
        ByteArrayOutputStream page = new ByteArrayOutputStream();
        try (SecretStreamScan scan = SCRUB.watch(page)) {
            writeInChunks(scan, audio, chunk);
        }
        assertArrayEquals(audio, page.toByteArray());
        assertEquals(audio.length, page.size());
    }
}
