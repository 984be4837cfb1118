package voicebroker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import voicebroker.config.BrokerConfig;
import voicebroker.config.Secret;
import voicebroker.guard.PeerUser;
import voicebroker.guard.SameUserGuard;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.RawHttp;

/**
 * The JDK server names each TCP connection, so the kernel's socket table is read on a connection's first request
 * and not again on the requests it carries after; a new connection is always read afresh.
 */
@EnabledOnOs(OS.LINUX)
class OwnerPerConnectionTest {

    @Test
    void oneKeptAliveConnectionReadsTheSocketTableOnceAndTheNextReadsItAgain(@TempDir Path runtime) throws Exception {
        PeerUser tables = PeerUser.system();
        int port = BrokerProcess.freePort();
        BrokerConfig config = BrokerConfig.builder().port(port).runtimeDir(runtime)
                .generatedToken(Secret.of("owner-per-connection-token-0123456789abcdef")).build();
        try (BrokerServer server = BrokerServer.start(config, new SameUserGuard(tables, SameUserGuard.processUid()))) {
            String health = "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n";
            long before = tables.tableReads();
            try (RawHttp.Connection page = RawHttp.client().open("127.0.0.1", port)) {
                RawHttp.Response first = page.exchange(health);
                assertEquals(200, first.status(), "the broker's own user is let through: " + first.body());
                long afterFirst = tables.tableReads();
                assertTrue(afterFirst > before, "the first request on a connection reads the table");
                assertEquals(200, page.exchange(health).status());
                assertEquals(200, page.exchange(health).status());
                assertEquals(afterFirst, tables.tableReads(), "later requests on the same connection do not");
                try (RawHttp.Connection next = RawHttp.client().open("127.0.0.1", port)) {
                    assertEquals(200, next.exchange(health).status());
                    assertTrue(tables.tableReads() > afterFirst, "a new connection is judged afresh");
                }
            }
        }
    }
}
