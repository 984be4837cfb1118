package voicebroker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** .env is read the way dotenv reads it, and a few variables may only come from the real environment. */
class DotEnvTest {
    @TempDir
    Path dir;

    /** Rows write the file's text with \n for line breaks, so each row is one file. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "a plain value                                       | K=sk-test-plain                        | sk-test-plain",
            "double quotes are not part of the value             | K=\"sk-test-double\"                   | sk-test-double",
            "single quotes are not part of the value             | K='sk-test-single'                     | sk-test-single",
            "a comment after a quoted value                      | K=\"sk-test-quoted\" # the key         | sk-test-quoted",
            "a comment after an unquoted value                   | K=sk-test-bare   # the key             | sk-test-bare",
            "a # inside an unquoted value is part of it          | K=abc#def                              | abc#def",
            "a # inside quotes is part of the value              | K=\"abc #def\"                         | abc #def",
            "the export prefix                                   | export K=sk-test-exported              | sk-test-exported",
            "spaces around the equals sign                       | K = spaced                             | spaced",
            "escapes expand in double quotes                     | K=\"a\\tb\\\"c\\\\d\"                  | `a\tb\"c\\d`",
            "escapes stay literal in single quotes               | K='a\\tb'                              | a\\tb",
            "a comment line and a blank line are skipped         | # K=wrong\\n\\nK=right                 | right",
            "the last of two entries wins                        | K=first\\nK=second                     | second",
            "CRLF line ends                                      | K=crlf\\r\\nOTHER=x                    | crlf",
            "a quoted value may span lines                       | K=\"one\\ntwo\"\\nOTHER=x               | `one\ntwo`",
    })
    void parsesTheWayDotenvDoes(String rule, String file, String value) {
        String text = file.replace("\\r", "\r").replace("\\n", "\n");
        assertEquals(value, DotEnv.parse(text).get("K"), rule);
    }

    @Test
    void linesThatAreNotEntriesAreSkippedAndTheRestStillParses() {
        Map<String, String> values = DotEnv.parse("not an entry\nK=\"never closed\nGOOD=yes\n=novalue\n1BAD=x\n");
        assertEquals(Map.of("GOOD", "yes"), values);
    }

    @Test
    void theRealEnvironmentWins() throws Exception {
        Files.writeString(dir.resolve(".env"), "OPENAI_API_KEY=sk-test-from-file\nVOICE_PORT=9000\n");
        Map<String, String> merged = DotEnv.merged(Map.of("VOICE_PORT", "8100"), dir.resolve(".env"));
        assertEquals("8100", merged.get("VOICE_PORT"));
        assertEquals("sk-test-from-file", merged.get("OPENAI_API_KEY"));
    }

    @ParameterizedTest(name = "{0} comes only from the real environment")
    @CsvSource({"VOICE_UNSAFE_TEST_BIND,1", "VOICE_BIND,0.0.0.0", "VOICE_ALLOWED_BASE_HOSTS,attacker.example"})
    void variablesThatOpenTheBrokerUpAreRefusedFromTheFile(String name, String value) throws Exception {
        Files.writeString(dir.resolve(".env"), "OPENAI_API_KEY=sk-test-secretvalue-abcdef\n" + name + "=" + value + "\n");
        ConfigException refused = assertThrows(ConfigException.class, () -> DotEnv.merged(Map.of(), dir.resolve(".env")));
        assertEquals("env_file_not_allowed", refused.code());
        assertEquals(name, refused.variable());
        assertFalse(refused.getMessage().contains(value) || refused.getMessage().contains("secretvalue"), "no value is ever printed: " + refused.getMessage());
        assertEquals(value, DotEnv.merged(Map.of(name, value), dir.resolve("no-such.env")).get(name), "from the environment it is fine");
    }
}
