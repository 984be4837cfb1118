package voicebroker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One way to read each kind of variable, shared by the broker's configuration and the launcher. */
class EnvTest {
    private final Env env = new Env(Map.of("PORT", " 9100 ", "BLANK", "  ", "FLAG", "Yes", "OFF", "no", "LIST", " a, ,b ,",
            "WORD", "ten", "BIG", "99999999999"));

    @Test
    void valuesAreStrippedAndBlankMeansUnset() {
        assertEquals("9100", env.text("PORT"));
        assertEquals("fallback", env.text("BLANK", "fallback"));
        assertEquals("", env.text("ABSENT"));
        assertFalse(env.isSet("BLANK"));
        assertTrue(env.isSet("PORT"));
    }

    @Test
    void flagsAndLists() {
        assertTrue(env.flag("FLAG"));
        assertFalse(env.flag("OFF"));
        assertFalse(env.flag("ABSENT"));
        assertEquals(List.of("a", "b"), env.list("LIST", "x"));
        assertEquals(List.of("x", "y"), env.list("BLANK", "x,y"));
    }

    @Test
    void numbersAreRangeCheckedWithTheCallersCode() {
        assertEquals(9100, env.integer("PORT", 1, 1, 65535, "bad_port", "a port"));
        assertEquals(7, env.integer("ABSENT", 7, 1, 10, "bad_port", "a port"));
        for (String name : List.of("WORD", "BIG")) {
            ConfigException e = assertThrows(ConfigException.class, () -> env.integer(name, 1, 1, 65535, "bad_port", "a TCP port"));
            assertEquals("bad_port", e.code());
            assertEquals(name, e.variable());
            assertTrue(e.problem().contains("is not a TCP port from 1 to 65535"), e.problem());
            assertTrue(e.fix().contains("default 1"), e.fix());
        }
        assertEquals("bad_number", assertThrows(ConfigException.class, () -> env.integer("PORT", 1, 1, 100, "bad_number", "small")).code());
        assertEquals(Duration.ofSeconds(15), env.seconds("ABSENT", Duration.ofSeconds(15), 1, 120, "bad_number"));
    }
}
