package voicebroker.leak;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import voicebroker.config.Secret;

class SecretScrubTest {
    private static final String KEY = "sk-test-scrubtest-ABCDEFGHIJKLMNOPQRSTUV";
    private static final SecretScrub SCRUB = new SecretScrub(List.of(Secret.of(KEY)));

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "an upstream that echoes the whole key is caught                 | {\"value\":\"sk-test-scrubtest-ABCDEFGHIJKLMNOPQRSTUV\"} | marin    | true",
            "an upstream that echoes a piece of the key is caught            | {\"model\":\"HIJKLMNO\"}                                  | marin    | true",
            "a caller's own piece, echoed back as its voice, is not an oracle | {\"configured\":{\"voice\":\"HIJKLMNO\"}}                 | HIJKLMNO | false",
            "a look-alike of the same shape answers the same                 | {\"configured\":{\"voice\":\"HIJKLMNX\"}}                 | HIJKLMNX | false",
            "a piece the upstream added beside the caller's echo is caught   | {\"voice\":\"HIJKLMNO\",\"model\":\"PQRSTUV1ABCDEFGH\"}  | HIJKLMNO | true",
            "short values are not blanked, so a caller cannot cut up a key    | {\"model\":\"sk-test-scrubtest-ABCDEFGHIJKLMNOPQRSTUV\"} | A        | true",
            "an answer without secrets passes                                | {\"value\":\"ek_abc\",\"voice\":\"marin\"}               | marin    | false",
    })
    void answersAreScannedOnlyForWhatTheRequestDidNotBring(String rule, String answer, String requestValue, boolean withheld) {
        assertEquals(withheld, SCRUB.addsPiece(answer, List.of(requestValue)), rule);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "the whole key counts                       | x sk-test-scrubtest-ABCDEFGHIJKLMNOPQRSTUV y | true",
            "a piece does not: it would be an oracle     | field 'HIJKLMNO' is not accepted             | false",
            "the key less its last character does not    | sk-test-scrubtest-ABCDEFGHIJKLMNOPQRSTU      | false",
    })
    void refusalsAndRequestValuesAreCheckedForWholeSecretsOnly(String rule, String text, boolean carries) {
        assertEquals(carries, SCRUB.carriesWhole(text), rule);
    }
}
