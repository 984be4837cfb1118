package voicebroker.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Only literals are addresses: a name would let DNS decide where the broker listens or who a peer is. */
class IpLiteralTest {

    @ParameterizedTest
    @CsvSource({"127.0.0.1, 127.0.0.1", "::1, 0:0:0:0:0:0:0:1", "[::1], 0:0:0:0:0:0:0:1", "0.0.0.0, 0.0.0.0",
            "::ffff:127.0.0.1, 127.0.0.1", "fe80::1, fe80:0:0:0:0:0:0:1"})
    void literalsAreAddresses(String literal, String address) {
        assertEquals(address, IpLiteral.parse(literal).orElseThrow().getHostAddress());
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "example.com", "1.2.3.999", "256.0.0.1", "1.2.3", "127.1", "0x7f.0.0.1", ":::", "[::1",
            "::1]", "fe80::1%eth0", "", " 127.0.0.1", "1.2.3.4.5", "::g"})
    void anythingElseIsNot(String text) {
        assertTrue(IpLiteral.parse(text).isEmpty(), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"::1", "[::1]", "2001:db8::1"})
    void ipv6StaysIpv6(String literal) {
        assertTrue(IpLiteral.parse(literal).orElseThrow() instanceof Inet6Address);
    }
}
