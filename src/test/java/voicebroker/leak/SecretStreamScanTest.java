package voicebroker.leak;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
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

    /**
     * The scan skips through the bytes rather than comparing at every position, so it is checked against the plain
     * definition: 3 000 random streams made of the secrets' own characters (near misses everywhere), some with
     * whole secrets or secrets less their first character planted, each written in random splits. The page gets
     * exactly the bytes before the first whole secret, and the stream is cut if and only if there is one.
     */
    @Test
    void passesExactlyWhatComesBeforeTheFirstSecretHoweverTheStreamIsSplit() throws IOException {
        Random random = new Random(7);
        String alphabet = KEY + TOKEN + "\u0000\u00ff";
        for (int run = 0; run < 3000; run++) {
            StringBuilder text = new StringBuilder();
            for (int i = 0, n = random.nextInt(400); i < n; i++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            for (int planted = random.nextInt(3); planted > 0; planted--) {
                String secret = random.nextBoolean() ? KEY : TOKEN;
                text.insert(random.nextInt(text.length() + 1), random.nextInt(4) == 0 ? secret.substring(1) : secret);
            }
            String stream = text.toString();
            int first = firstWholeSecret(stream);
            byte[] bytes = stream.getBytes(StandardCharsets.ISO_8859_1);
            ByteArrayOutputStream page = new ByteArrayOutputStream();
            SecretStreamScan scan = SCRUB.watch(page);
            boolean cut = false;
            try {
                for (int at = 0, n; at < bytes.length; at += n) {
                    n = Math.min(bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 8 : 120));
                    scan.write(bytes, at, n);
                }
                scan.close();
            } catch (SecretStreamScan.SecretFound e) {
                cut = true;
            }
            assertEquals(first >= 0, cut, "cut if and only if a whole secret is in: " + stream);
            assertEquals(first >= 0 ? stream.substring(0, first) : stream, page.toString(StandardCharsets.ISO_8859_1), stream);
        }
    }

    private static int firstWholeSecret(String stream) {
        int key = stream.indexOf(KEY);
        int token = stream.indexOf(TOKEN);
        return key < 0 ? token : token < 0 ? key : Math.min(key, token);
    }
}
