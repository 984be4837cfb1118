package voicebroker.startvoice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import voicebroker.testkit.RawHttp;

/** The adapter on a real JDK server, called over a real socket: what a dev server written in Java would mount. */
class StartVoiceHttpHandlerTest {
    private HttpServer server;
    private int port;
    private String origin;
    private final AtomicInteger starts = new AtomicInteger();

    @BeforeEach
    void mount() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        port = server.getAddress().getPort();
        origin = "http://127.0.0.1:" + port;
        StartVoiceHandler handler = new StartVoiceHandler(new StartVoiceHandler.Settings(List.of(origin), Set.of("127.0.0.1:" + port),
                Optional.empty(), Optional.empty()), (origins, pageOrigin) -> {
                    starts.incrementAndGet();
                    return new StartVoiceHandler.Started("http://127.0.0.1:8099", "broker-token-abcdefghijklmnopqrstuvwxyz012345", false, true);
                });
        server.createContext(StartVoiceHandler.PATH, new StartVoiceHttpHandler(handler));
        server.start();
    }

    @AfterEach
    void unmount() {
        server.stop(0);
    }

    private RawHttp.Request post(String origin) {
        return RawHttp.request("POST", StartVoiceHandler.PATH).header("Host", "127.0.0.1:" + port).header("Origin", origin)
                .header("Content-Type", "application/json").header("Sec-Fetch-Site", "same-origin");
    }

    @Test
    void answersTheDashboardWithTheBrokerAndNoStore() {
        RawHttp.Response response = post(origin).body("{}").send("127.0.0.1", port);

        assertEquals(200, response.status(), response::toString);
        assertEquals("no-store", response.header("Cache-Control"));
        assertEquals("broker-token-abcdefghijklmnopqrstuvwxyz012345", response.json().path("token").asText());
        assertEquals(true, response.json().path("already").asBoolean());
        assertNull(response.header("Access-Control-Allow-Origin"), "same-origin only: no CORS headers at all");
        assertEquals(1, starts.get());
    }

    @Test
    void refusesAForeignOriginWithoutStarting() {
        RawHttp.Response response = post("http://localhost:3000").body("{}").send("127.0.0.1", port);

        assertEquals(403, response.status(), response::toString);
        assertEquals("forbidden_origin", response.json().path("error").asText());
        assertEquals(0, starts.get());
    }

    @Test
    void refusesADeclaredOversizedBodyWithoutReadingIt() {
        RawHttp.Response response = post(origin).header("Content-Length", "20000").noContentLength().body("{}")
                .send("127.0.0.1", port);

        assertEquals(413, response.status(), response::toString);
        assertEquals(0, starts.get());
    }

    @Test
    void refusesAnActuallyOversizedBody() {
        RawHttp.Response response = post(origin).body("{\"pad\":\"" + "x".repeat(20_000) + "\"}").send("127.0.0.1", port);

        assertEquals(413, response.status(), response::toString);
        assertEquals(0, starts.get());
    }
}
