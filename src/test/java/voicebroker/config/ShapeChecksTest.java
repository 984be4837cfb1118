package voicebroker.config;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import voicebroker.testkit.SameAsPattern;

/** The configuration's shape checks are loops (they run on every start); each answers as its pattern did. */
class ShapeChecksTest {

    @Test
    void headerName() {
        SameAsPattern.check("[A-Za-z0-9][A-Za-z0-9-]{0,63}", ConfigLoader::isHeaderName, "aZ9-_.", 70,
                List.of("", "-x", "X-Dashboard-Token", "a".repeat(64), "a".repeat(65)));
    }

    @Test
    void modelName() {
        SameAsPattern.check("[A-Za-z0-9][A-Za-z0-9._:-]{0,99}", ConfigLoader::isModelName, "aZ9-._:/ ", 105,
                List.of("", ".x", "gpt-realtime", "ft:gpt-4o:org:x", "m".repeat(100), "m".repeat(101)));
    }

    @Test
    void allowedBaseHost() {
        SameAsPattern.check("[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\\d{1,5})?", ConfigLoader::isAllowedHostEntry, "a0.-:9A", 12,
                List.of("", "a", "a:", ":1", "my-resource.openai.azure.com", "host:443", "host:123456", "-a", "a-", "a:1:2"));
    }

    @Test
    void basePath() {
        SameAsPattern.check("(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*/?", UpstreamBase::isPlainPath, "/a._~-%", 10,
                List.of("", "/", "//", "/v1", "/v1/", "/openai/v1", "/./", "/a./", "/..", "v1"));
    }

    @Test
    void remoteHostName() {
        SameAsPattern.check("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*", UpstreamBase::isHostName,
                "a0.-A_", 10, List.of("", ".", "a.", ".a", "a..b", "api.openai.com", "-a.b", "a-.b", "xn--e1a.com"));
    }

    @Test
    void loopbackHost() {
        SameAsPattern.check("localhost|\\[::1\\]|127\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){2}",
                UpstreamBase::isLoopbackHost, random -> "127." + octet(random) + "." + octet(random) + "." + octet(random),
                List.of("localhost", "[::1]", "127.0.0.1", "127.255.255.255", "127.256.0.1", "127.00.0.1", "127.000.0.1",
                        "127.012.0.1", "127.0.0", "127.0.0.1.", "128.0.0.1", "0127.0.0.1"));
    }

    /** A number around 0-255, sometimes with leading zeros or a stray character. */
    private static String octet(Random random) {
        String[] prefixes = {"", "", "", "0", "00", "1", "x"};
        return prefixes[random.nextInt(prefixes.length)] + random.nextInt(300);
    }
}
