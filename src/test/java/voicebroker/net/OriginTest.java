package voicebroker.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The shared origin table (also read by the Vite plugin's tests): each row is allowed or refused, and why. */
class OriginTest {

    static Stream<Arguments> table() throws IOException {
        try (InputStream in = OriginTest.class.getResourceAsStream("/origins.json")) {
            JsonNode rows = new ObjectMapper().readTree(in).path("rows");
            List<Arguments> out = new ArrayList<>();
            rows.forEach(row -> out.add(Arguments.of(row.path("origin").asText(), row.path("allowed").asBoolean(), row.path("why").asText())));
            assertTrue(out.size() > 30, "the table is read");
            return out.stream();
        }
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("table")
    void anOriginIsAllowedOnlyInTheSpellingABrowserSends(String origin, boolean allowed, String why) {
        if (allowed) {
            Origin parsed = Origin.parse(origin);
            assertEquals(origin, parsed.toString(), "an allowed origin is kept exactly as written");
            assertTrue(parsed.matches(origin));
        } else {
            Origin.Invalid refused = assertThrows(Origin.Invalid.class, () -> Origin.parse(origin), why);
            assertFalse(refused.reason().isBlank(), "the refusal says what is wrong");
            assertTrue(Origin.tryParse(origin).isEmpty());
        }
    }

    @Test
    void theRefusalOfANearMissSaysHowToWriteIt() {
        assertEquals(80, Origin.parse("http://localhost").port());
        assertEquals(443, Origin.parse("https://dash.example").port());
        assertEquals("browsers leave the default port out of Origin, so write it as http://localhost", reason("http://localhost:80"));
        assertEquals("browsers leave the default port out of Origin, so write it as https://dash.example", reason("https://dash.example:443"));
        assertEquals("browsers send no trailing slash, so write it as http://localhost:5173", reason("http://localhost:5173/"));
        assertTrue(reason("http://localhost:5173/app?x").endsWith("write it as http://localhost:5173"));
        assertEquals("browsers send it in lower case, so write it as http://localhost:5173", reason("http://LocalHost:5173"));
        assertEquals("browsers send it in lower case, so write it as http://localhost:5173", reason("HTTP://localhost:5173"));
    }

    private static String reason(String origin) {
        return assertThrows(Origin.Invalid.class, () -> Origin.parse(origin)).reason();
    }

    @Test
    void partsAndTheHostHeaderOfItsServer() {
        Origin origin = Origin.parse("http://[::1]:5173");
        assertEquals("http", origin.scheme());
        assertEquals("[::1]", origin.host());
        assertEquals(5173, origin.port());
        assertEquals("[::1]:5173", origin.hostHeader());
        assertEquals("dash.example.com", Origin.parse("https://dash.example.com").hostHeader());
        assertEquals(Origin.parse("http://localhost:5173"), Origin.parse("http://localhost:5173"));
        assertFalse(origin.matches("http://[::1]:5173/"), "a near miss does not match");
    }

    @Test
    void ipv6IsPrintedTheWayBrowsersPrintIt() {
        assertEquals("::", Origin.shortestIpv6(new byte[16]));
        byte[] bytes = new byte[16];
        bytes[15] = 1;
        assertEquals("::1", Origin.shortestIpv6(bytes));
        bytes[0] = 0x20;
        bytes[1] = 0x01;
        assertEquals("2001::1", Origin.shortestIpv6(bytes));
        byte[] twoRuns = {0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3};
        assertEquals("1:0:0:2::3", Origin.shortestIpv6(twoRuns), "the longer zero run is compressed");
        byte[] tie = {0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4};
        assertEquals("1::2:0:0:3:4", Origin.shortestIpv6(tie), "on a tie, the first run");
        byte[] single = {0, 1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7};
        assertEquals("1:0:2:3:4:5:6:7", Origin.shortestIpv6(single), "a single zero group is not compressed");
    }
}
