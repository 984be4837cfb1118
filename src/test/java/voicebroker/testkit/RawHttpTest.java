package voicebroker.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** RawHttp against the fake (which records exactly what arrived) and against bare sockets. */
class RawHttpTest {

    private FakeOpenAi fake;

    @BeforeEach
    void startFake() {
        fake = FakeOpenAi.http().start();
    }

    @AfterEach
    void stopFake() {
        fake.close();
    }

    @Test
    void builderSendsAJsonPostAndReadsAContentLengthResponse() {
        RawHttp.Response response = RawHttp.request("POST", "/v1/realtime/client_secrets")
                .header("Host", "127.0.0.1:" + fake.port())
                .header("Authorization", "Bearer " + FakeOpenAi.DEFAULT_KEY)
                .header("Content-Type", "application/json")
                .body(FakeOpenAiTest.MINT_BODY)
                .send("127.0.0.1", fake.port());
        assertEquals(200, response.status());
        assertEquals("HTTP/1.1 200 OK", response.statusLine());
        assertEquals("application/json", response.header("content-type"), "lookup ignores case");
        assertTrue(response.json().path("value").asText().startsWith("ek_"));
        RecordedRequest recorded = fake.requests().get(0);
        assertEquals(String.valueOf(FakeOpenAiTest.MINT_BODY.getBytes(StandardCharsets.UTF_8).length),
                recorded.header("Content-Length"), "a Content-Length is added for a builder body");
    }

    @Test
    void sendsDuplicateMissingAndForgedHostsExactly() {
        RawHttp.request("GET", "/v1/x").header("Host", "localhost:8099").header("Host", "evil.example")
                .send("127.0.0.1", fake.port());
        RawHttp.request("GET", "/v1/x").send("127.0.0.1", fake.port());
        List<RecordedRequest> requests = fake.requests();
        assertEquals(List.of("localhost:8099", "evil.example"), requests.get(0).headers().all("Host"));
        assertEquals(0, requests.get(1).headers().count("Host"));
    }

    @Test
    void sendsAbsoluteFormTargetsAndOtherVersions() {
        RawHttp.request("GET", "http://evil.example/v1/x?q=1").header("Host", "evil.example").version("HTTP/1.0")
                .send("127.0.0.1", fake.port());
        RecordedRequest recorded = fake.requests().get(0);
        assertEquals("http://evil.example/v1/x?q=1", recorded.target());
        assertEquals("/v1/x", recorded.path());
    }

    @Test
    void sendsContentLengthAndTransferEncodingTogether() {
        String raw = "POST /v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n";
        RawHttp.Response response = RawHttp.send("127.0.0.1", fake.port(), raw);
        assertEquals(404, response.status());
        RecordedRequest recorded = fake.requests().get(0);
        assertEquals("hello", recorded.bodyText(), "the fake, like RFC 9112, lets chunked win");
        assertTrue(recorded.headers().has("Content-Length") && recorded.headers().has("Transfer-Encoding"));
    }

    @Test
    void builderLeavesFramingAloneWhenTheTestSetsIt() {
        byte[] bytes = RawHttp.request("POST", "/x").header("Transfer-Encoding", "chunked").body("0\r\n\r\n").toBytes();
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertFalse(text.contains("Content-Length"), text);
        assertTrue(text.startsWith("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), text);
    }

    @Test
    void malformedRequestLineGetsWhateverTheServerSays() {
        RawHttp.Response response = RawHttp.send("127.0.0.1", fake.port(), "GARBAGE\r\n\r\n");
        assertEquals(400, response.status());
        assertEquals("close", response.header("Connection"));
    }

    @Test
    void readsChunkedResponses() {
        fake.speechBytes(3000).speechChunks(700, Duration.ZERO);
        RawHttp.Response response = RawHttp.request("POST", "/v1/audio/speech")
                .header("Host", "a")
                .header("Authorization", "Bearer " + FakeOpenAi.DEFAULT_KEY)
                .header("Content-Type", "application/json")
                .body(FakeOpenAiTest.SPEECH_BODY)
                .send("127.0.0.1", fake.port());
        assertEquals(200, response.status());
        assertEquals("chunked", response.header("Transfer-Encoding"));
        assertEquals(3000, response.bodyBytes().length);
        assertEquals("ID3", new String(response.bodyBytes(), 0, 3, StandardCharsets.US_ASCII));
    }

    @Test
    void keepsEveryValueOfARepeatedResponseHeader() {
        fake.faultNext(1, Fault.status(200, "{}").header("X-Twice", "one").header("x-twice", "two"));
        RawHttp.Response response = RawHttp.request("GET", "/v1/x").header("Host", "a").send("127.0.0.1", fake.port());
        assertEquals(List.of("one", "two"), response.headerValues("X-TWICE"));
    }

    @Test
    void readsBodiesFramedByConnectionClose() {
        fake.faultNext(1, Fault.raw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"));
        RawHttp.Response response = RawHttp.send("127.0.0.1", fake.port(), "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals("until the end", response.body());
    }

    @Test
    void aServerThatClosesSilentlyGivesNoResponse() {
        fake.faultNext(1, Fault.closeWithoutResponse());
        RawHttp.Response response = RawHttp.send("127.0.0.1", fake.port(), "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertTrue(response.receivedNothing());
        assertEquals(-1, response.status());
    }

    @Test
    void readTimeoutIsReported() {
        fake.faultNext(1, Fault.hang());
        UncheckedIOException error = assertThrows(UncheckedIOException.class, () -> RawHttp.client()
                .readTimeout(Duration.ofMillis(200)).send("127.0.0.1", fake.port(), "GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertTrue(error.getCause() instanceof SocketTimeoutException);
    }

    @Test
    void trickleWritesSlowly() {
        String raw = "GET /v1/x HTTP/1.1\r\nHost: a\r\n\r\n"; // 32 bytes
        long start = System.nanoTime();
        RawHttp.Response response = RawHttp.client().trickle(8, Duration.ofMillis(100))
                .send("127.0.0.1", fake.port(), raw);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(404, response.status());
        assertTrue(millis >= 300, "4 pieces, 3 pauses of 100 ms: " + millis);
        assertEquals("/v1/x", fake.requests().get(0).path());
    }

    @Test
    void oneConnectionCarriesSeveralRequests() {
        try (RawHttp.Connection connection = RawHttp.client().open("127.0.0.1", fake.port())) {
            assertEquals(404, connection.exchange("GET /v1/a HTTP/1.1\r\nHost: a\r\n\r\n").status());
            assertEquals(404, connection.exchange(RawHttp.request("GET", "/v1/b").header("Host", "a")).status());
            assertEquals(404, connection.exchange("GET /v1/c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").status());
            assertTrue(connection.awaitClosedByPeer(Duration.ofSeconds(2)), "the fake closes after Connection: close");
        }
        assertEquals(1, fake.connectionsAccepted());
        assertEquals(3, fake.requests().size());
    }

    @Test
    void awaitClosedByPeerIsFalseForAnOpenConnection() {
        try (RawHttp.Connection connection = RawHttp.client().open("127.0.0.1", fake.port())) {
            assertFalse(connection.awaitClosedByPeer(Duration.ofMillis(200)));
        }
    }

    @Test
    void bindsTheClientSocketToAChosenLocalAddress() throws Exception {
        // Any 127/8 address is loopback on Linux; the server must see it as the peer.
        InetAddress local = InetAddress.getByName("127.0.0.2");
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            CompletableFuture<InetAddress> peer = CompletableFuture.supplyAsync(() -> answerOnce(server));
            RawHttp.Response response = RawHttp.client().bindTo(local)
                    .send("127.0.0.1", server.getLocalPort(), "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(204, response.status());
            assertEquals(local, peer.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void reportsARequestCutShortByTheServer() throws Exception {
        // A server that answers early and closes: the rest of a slow request cannot be written.
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            CompletableFuture.runAsync(() -> refuseEarly(server));
            RawHttp.Response response = RawHttp.client().trickle(100, Duration.ofMillis(50))
                    .send("127.0.0.1", server.getLocalPort(), "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4000\r\n\r\n"
                            + "x".repeat(4000));
            assertFalse(response.requestFullySent());
            // TCP may drop the early answer when the reset arrives (RFC 9112 section 9.6), so both are honest.
            assertTrue(response.status() == 408 || response.receivedNothing(), response::toString);
        }
    }

    private static InetAddress answerOnce(ServerSocket server) {
        try (Socket socket = server.accept()) {
            readHead(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return socket.getInetAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void refuseEarly(ServerSocket server) {
        try (Socket socket = server.accept()) {
            socket.getInputStream().readNBytes(8);
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(300);
        } catch (IOException | InterruptedException e) {
            // the test asserts on what the client saw
        }
    }

    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return;
            }
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }
}
