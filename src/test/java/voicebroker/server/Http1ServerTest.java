package voicebroker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import voicebroker.config.Limits;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;
import voicebroker.pipeline.Chain;
import voicebroker.pipeline.Reply;
import voicebroker.pipeline.StreamBody;
import voicebroker.testkit.RawHttp;

/**
 * The server's own guards, each shown on a server with short limits and a pipeline that checks nothing, so what is
 * refused or cut here is refused or cut by the server: a test goes red when its guard is removed.
 */
class Http1ServerTest {
    private static final Duration REQUEST_TIME = Duration.ofSeconds(1);
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(1);
    private static final int MAX_HEADER_BYTES = 1024;
    private static final int CAP = 3;
    private final AtomicInteger pipelineRuns = new AtomicInteger();
    private final List<Object> identities = new CopyOnWriteArrayList<>();
    private Http1Server server;
    private int port;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(Chain pipeline, Duration answerTime) throws IOException {
        start(pipeline, answerTime, List.of(InetAddress.getLoopbackAddress()));
    }

    private void start(Chain pipeline, Duration answerTime, List<InetAddress> addresses) throws IOException {
        Limits defaults = Limits.defaults();
        Limits limits = new Limits(MAX_HEADER_BYTES, defaults.maxBodyBytes(), REQUEST_TIME, KEEP_ALIVE, CAP, 2,
                defaults.upstreamConnectTimeout(), defaults.upstreamTimeout(), defaults.maxUpstreamJsonBytes(),
                defaults.upstreamConcurrency(), defaults.callsPerMinute(), defaults.tokenFailuresAllowed(),
                defaults.tokenFailureWindow());
        server = Http1Server.start(addresses, 0, limits, exchange -> {
            pipelineRuns.incrementAndGet();
            identities.add(exchange.connection().owner().orElseThrow());
            return pipeline.proceed(exchange);
        }, answerTime);
        port = server.addresses().get(0).getPort();
    }

    /** A pipeline that answers 200 without reading the body. */
    private void startAnswering() throws IOException {
        start(exchange -> Reply.json(Map.of("ok", true)), Duration.ofMinutes(1));
    }

    private RawHttp.Connection open() {
        return RawHttp.client().timeout(Duration.ofSeconds(5)).open("127.0.0.1", port);
    }

    private static String get(String extraHeaders) {
        return "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders + "\r\n";
    }

    @Test
    void aHeadOverTheServersBoundIsRefusedBeforeThePipelineSeesIt() throws IOException {
        startAnswering();
        try (RawHttp.Connection client = open()) {
            RawHttp.Response answer = client.exchange(get("X-Big: " + "b".repeat(MAX_HEADER_BYTES * 8) + "\r\n"));
            assertEquals(431, answer.status(), answer.toString());
            assertTrue(answer.body().contains("\"error\":\"headers_too_large\""), answer.body());
            assertEquals("nosniff", answer.header("X-Content-Type-Options"), "the headers every answer carries");
        }
        try (RawHttp.Connection client = open()) {
            RawHttp.Response answer = client.exchange(get("X-A: 1\r\n".repeat(MAX_HEADER_BYTES * 8 / 8 + 1)));
            assertEquals(431, answer.status(), "many small lines count as one head: " + answer);
        }
        assertEquals(0, pipelineRuns.get(), "the pipeline never ran");
    }

    @Test
    void aBodyLengthDeclaredTwiceOrBothWaysIsRefusedNotGuessed() throws IOException {
        startAnswering();
        for (String framing : List.of("Content-Length: 2\r\nContent-Length: 3\r\n", "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "Content-Length: +2\r\n", "Transfer-Encoding: gzip\r\n")) {
            try (RawHttp.Connection client = open()) {
                RawHttp.Response answer = client.exchange("POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\n" + framing + "\r\n{}");
                assertEquals(400, answer.status(), framing + " → " + answer);
                assertTrue(answer.body().contains("\"error\":\"" + ErrorCode.BAD_REQUEST.code() + "\""), answer.body());
                assertFalse(answer.body().contains("gzip") || answer.body().contains("+2"), "nothing of the request is echoed");
            }
        }
        assertEquals(0, pipelineRuns.get(), "the pipeline never ran");
    }

    @Test
    void aRequestLineOrHeaderNameHttpCoreWouldBendIsRefused() throws IOException {
        startAnswering();
        for (String head : List.of("GET  /x HTTP/1.1\r\nHost: h\r\n\r\n", "GET /x  HTTP/1.1\r\nHost: h\r\n\r\n",
                "GET /x HTTP/1.1 extra\r\nHost: h\r\n\r\n", "GET /\u0000x HTTP/1.1\r\nHost: h\r\n\r\n", "G(T /x HTTP/1.1\r\nHost: h\r\n\r\n",
                "GET /x HTTP/1.1\r\nBad Name: x\r\n\r\n", "GET /x HTTP/1.1\r\nName : x\r\n\r\n", "GET /x HTTP/1.1\r\n: x\r\n\r\n",
                "GET /x HTTP/1.1\r\nNoColon\r\n\r\n", "GET /x HTTP/one\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")) {
            try (RawHttp.Connection client = open()) {
                RawHttp.Response answer = client.exchange(head);
                assertEquals(400, answer.status(), head + " → " + answer);
                assertTrue(answer.body().contains("\"error\":\"bad_request\""), answer.body());
            }
        }
        assertEquals(0, pipelineRuns.get(), "the pipeline never ran");
    }

    @Test
    void aHeadWithBareLineFeedsIsNotServed() throws IOException {
        startAnswering();
        try (RawHttp.Connection client = open()) {
            client.write("GET /x HTTP/1.1\nHost: h\n\n".getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(client.awaitClosedByPeer(Duration.ofSeconds(2)), "closed without an answer");
        }
        try (RawHttp.Connection client = open()) {
            client.write("GET /x HTTP/1.1\r\nHost: h\nX: y\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(client.awaitClosedByPeer(Duration.ofSeconds(2)), "one bare LF among the headers is enough");
        }
        assertEquals(0, pipelineRuns.get(), "the pipeline never ran");
    }

    @Test
    void aHeadTrickledByteByByteIsCutAtTheRequestTime() throws IOException {
        startAnswering();
        try (RawHttp.Connection client = open()) {
            client.write("GET /x HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
            long start = System.nanoTime();
            boolean cut = false;
            for (int i = 0; i < 100 && !cut; i++) {
                cut = !client.write("X-Slow: a\r\n".getBytes(StandardCharsets.ISO_8859_1)) || client.awaitClosedByPeer(Duration.ofMillis(100));
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(cut, "a client sending a header line every 100 ms was never cut");
            assertTrue(millis < REQUEST_TIME.toMillis() + 1500, "cut after " + millis + " ms");
        }
    }

    @Test
    void anIdleKeptAliveConnectionIsClosedAfterTheKeepAliveTime() throws IOException {
        startAnswering();
        try (RawHttp.Connection client = open()) {
            assertEquals(200, client.exchange(get("")).status());
            assertTrue(client.awaitClosedByPeer(KEEP_ALIVE.plusSeconds(2)), "the idle connection stays open");
        }
    }

    @Test
    void aConnectionThatNeverSendsARequestIsClosedAfterTheRequestTime() throws IOException {
        startAnswering();
        try (RawHttp.Connection client = open()) {
            assertTrue(client.awaitClosedByPeer(REQUEST_TIME.plusSeconds(2)), "a silent new connection stays open");
        }
    }

    @Test
    void connectionsOverAListenersCapAreClosedAtOnceWhileAnotherListenerServes() throws IOException {
        start(exchange -> Reply.json(Map.of("ok", true)), Duration.ofMinutes(1),
                List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.2")));
        int other = server.addresses().get(1).getPort();
        List<RawHttp.Connection> held = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < CAP; i++) {
                RawHttp.Connection client = open();
                assertEquals(200, client.exchange(get("")).status());
                held.add(client);
            }
            try (RawHttp.Connection over = open()) {
                assertTrue(over.awaitClosedByPeer(Duration.ofMillis(500)), "the connection over the cap was kept");
            }
            try (RawHttp.Connection elsewhere = RawHttp.client().timeout(Duration.ofSeconds(5)).open("127.0.0.2", other)) {
                assertEquals(200, elsewhere.exchange(get("")).status(), "the other listener serves while this one is full");
            }
            held.remove(0).close();
            RawHttp.Response again = null;
            for (int i = 0; i < 50 && (again == null || again.status() != 200); i++) {
                try (RawHttp.Connection next = open()) {
                    again = next.exchange(get(""));
                } catch (RuntimeException closedStill) {
                    Thread.onSpinWait();
                }
            }
            assertEquals(200, again.status(), "a freed place serves again");
        } finally {
            held.forEach(RawHttp.Connection::close);
        }
    }

    @Test
    void aBodyARefusalLeftUnreadEndsTheConnectionAndTheRefusalStillArrives() throws IOException {
        start(exchange -> Reply.refused(Refusal.of(ErrorCode.MISSING_TOKEN)), Duration.ofMinutes(1));
        try (RawHttp.Connection client = open()) {
            byte[] head = ("POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 200000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
            client.write(head);
            client.write(new byte[100_000]); // the client is still sending when the refusal comes
            RawHttp.Response answer = client.readResponse("POST");
            assertEquals(401, answer.status(), answer.toString());
            assertEquals("close", answer.header("Connection"), "the unread rest is not taken for a next request");
            assertTrue(client.awaitClosedByPeer(Duration.ofSeconds(3)), "the connection ends");
        }
    }

    @Test
    void anAnswerTheClientDoesNotReadIsCutAtTheAnswerTime() throws Exception {
        CountDownLatch cut = new CountDownLatch(1);
        start(exchange -> Reply.stream(new Endless(cut)), Duration.ofSeconds(1));
        try (RawHttp.Connection client = open()) {
            client.write(get("").getBytes(StandardCharsets.ISO_8859_1)); // and never reads
            assertTrue(cut.await(5, TimeUnit.SECONDS), "the server kept writing to a client that reads nothing");
        }
    }

    @Test
    void answersNameNoServerSoftware() throws IOException {
        startAnswering();
        try (RawHttp.Connection client = open()) {
            RawHttp.Response answer = client.exchange(get(""));
            assertEquals(200, answer.status());
            assertNull(answer.header("Server"), "a Server header names the library and its version");
        }
    }

    @Test
    void everyRequestOnOneConnectionSharesItsIdentityAndANewConnectionHasAnother() throws IOException {
        startAnswering();
        try (RawHttp.Connection first = open(); RawHttp.Connection second = open()) {
            first.exchange(get(""));
            first.exchange(get(""));
            second.exchange(get(""));
        }
        assertEquals(3, identities.size());
        assertSame(identities.get(0), identities.get(1), "one connection, one identity");
        assertNotSame(identities.get(0), identities.get(2), "a second connection is another");
    }

    @Test
    void theTargetReachesThePipelineExactlyAsSent() throws IOException {
        List<String> targets = new CopyOnWriteArrayList<>();
        start(exchange -> {
            targets.add(exchange.request().rawTarget());
            return Reply.json(Map.of("ok", true));
        }, Duration.ofMinutes(1));
        for (String target : List.of("/a/../b?x=%zz", "http://evil.example/api/health", "*")) {
            try (RawHttp.Connection client = open()) {
                client.exchange("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            }
        }
        assertEquals(List.of("/a/../b?x=%zz", "http://evil.example/api/health", "*"), targets);
    }

    /** A speech stream that never ends; it counts down when a write fails (the server cut it). */
    private record Endless(CountDownLatch cut) implements StreamBody {
        @Override
        public String contentType() {
            return "audio/mpeg";
        }

        @Override
        public void copyTo(OutputStream out) throws IOException {
            byte[] chunk = new byte[16 * 1024];
            try {
                while (true) {
                    out.write(chunk);
                    out.flush();
                }
            } catch (IOException e) {
                cut.countDown();
                throw e;
            }
        }

        @Override
        public void close() {
        }
    }
}
