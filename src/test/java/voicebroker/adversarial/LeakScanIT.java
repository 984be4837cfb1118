package voicebroker.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import voicebroker.testkit.Fault;
import voicebroker.testkit.RawHttp;

/**
 * The key and the token never leave the broker: not in an answer, not in its log (standard error, or the log
 * file a launcher-started broker writes), not in its argv. Every arena in this suite scans its answers as they
 * arrive and its output and argv when it closes; this class adds a broker that is pushed to leak on purpose, with
 * the secrets put in every wrong place a client or an upstream can put them, and then checks what the whole test
 * JVM has seen so far (when it runs after the other attack classes, that is the whole suite).
 */
class LeakScanIT {

    @Test
    void secretsPushedAtEveryChannelComeOutOfNone() throws IOException {
        List<RawHttp.Response> answers = new ArrayList<>();
        try (Arena arena = Arena.builder().logToFile().start()) {
            String token = arena.token;
            String key = Arena.KEY;
            int port = arena.port();
            // A careless or hostile client puts the secrets everywhere but the one right place.
            for (String secret : List.of(token, key)) {
                answers.add(arena.send(arena.request("GET", "/api/health?token=" + secret + "&key=" + secret)));
                answers.add(arena.send(arena.request("GET", "/api/" + secret)));
                answers.add(arena.send(arena.request("POST", "/api/session/" + secret).header("Origin", Arena.ORIGIN)));
                answers.add(arena.send(arena.request("GET", "/api/health").header("Origin", secret)));
                answers.add(arena.send(arena.request("GET", "/api/health").header("Origin", "http://" + secret + ".example")));
                answers.add(arena.send(RawHttp.request("GET", "/api/health").header("Host", secret + ":" + port)));
                answers.add(arena.send(RawHttp.request("GET", "http://" + secret + "@localhost:" + port + "/api/health").header("Host", arena.host)));
                answers.add(arena.sendRaw(secret + " /api/health HTTP/1.1\r\nHost: " + arena.host + "\r\n\r\n"));
                answers.add(arena.send(arena.legit("POST", "/api/session", null).header("Content-Type", "application/json; token=" + secret).body("{}")));
                answers.add(arena.send(arena.legit("POST", "/api/session", null).header("Content-Type", secret).body("{}")));
                answers.add(arena.send(arena.request("POST", "/api/session").header("Origin", Arena.ORIGIN).header("Cookie", "token=" + secret)
                        .header("Content-Type", "application/json").body("{}")));
                answers.add(arena.send(arena.request("POST", "/api/session").header("Origin", Arena.ORIGIN).header("Authorization", "Bearer " + secret + "x")
                        .header("Content-Type", "application/json").body("{}")));
                for (String body : List.of("{\"key\":\"" + secret + "\"}", "{\"token\":\"" + secret + "\"}", "{\"" + secret + "\":1}",
                        "{\"voice\":\"" + secret + "\"}", "{\"mode\":\"" + secret + "\"}", "{\"voice\":\"" + secret)) {
                    answers.add(arena.send(arena.legit("POST", "/api/session", body)));
                    answers.add(arena.send(arena.legit("POST", "/api/tts", body)));
                }
                answers.add(arena.send(arena.request("OPTIONS", "/api/session").header("Origin", Arena.ORIGIN)
                        .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", secret)));
                answers.add(arena.sendRaw("POST /api/session HTTP/1.1\r\nHost: " + arena.host + "\r\nOrigin: " + Arena.ORIGIN
                        + "\r\n Authorization: Bearer " + secret + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"));
            }
            // A hostile upstream echoes the key in every field it controls.
            String echo = "{\"error\":{\"message\":\"bad key " + key + "\",\"type\":\"" + key + "\",\"param\":\"" + key.substring(3)
                    + "\",\"code\":\"" + key.substring(5, 25) + "\"}}";
            for (Fault fault : List.of(Fault.status(401, echo), Fault.status(403, echo), Fault.status(400, echo), Fault.status(404, echo),
                    Fault.status(429, echo).header("Retry-After", key), Fault.status(500, echo), Fault.html(502, "<p>" + key + "</p>"),
                    Fault.status(200, "{\"value\":\"" + key + "\",\"expires_at\":1900000000}"),
                    Fault.status(200, "{\"value\":\"ek_" + key.substring(3).replace("-", "") + "\",\"expires_at\":1900000000}"),
                    Fault.status(200, "{\"value\":\"ek_fine_value_123\",\"expires_at\":1900000000,\"session\":{\"model\":\"" + key
                            + "\",\"instructions\":\"" + key + "\",\"audio\":{\"input\":{\"turn_detection\":{\"type\":\"" + key
                            + "\"},\"transcription\":{\"model\":\"" + key + "\"}},\"output\":{\"voice\":\"" + key + "\"}}}}"),
                    Fault.status(200, "{\"value\":\"ek_fine_value_456\",\"expires_at\":1900000000,\"session\":{\"model\":\"gpt-realtime\","
                            + "\"audio\":{\"output\":{\"voice\":{\"id\":\"" + key.substring(4) + "\"}}}}}"))) {
                arena.fake.clearFaults();
                arena.fake.faultAlways(Arena.MINT_PATH, fault);
                arena.fake.faultAlways("/v1/audio/speech", fault);
                answers.add(arena.mint());
                answers.add(arena.send(arena.legit("POST", "/api/sample", "{\"voice\":\"marin\"}")));
            }
            arena.fake.clearFaults();
            arena.assertMints("after all that");
            for (RawHttp.Response answer : answers) {
                assertEquals(null, Leaks.leakedPiece(answer.toString(), key), "the key in " + answer);
                assertEquals(null, Leaks.leakedPiece(answer.toString(), token), "the token in " + answer);
                assertTrue(answer.receivedNothing() || answer.status() < 500 || answer.status() >= 502, "no crash: " + answer);
            }
            arena.broker.stop();
            String log = Files.readString(arena.logFile(), StandardCharsets.ISO_8859_1);
            assertTrue(log.contains("GET /api/health"), "the log file was written (so scanning it means something): " + log.length() + " bytes");
            Report.line("leaks", answers.size() + " answers to secret-laden requests and upstream echoes, " + log.lines().count()
                    + " log lines, argv: no piece of the key or the token");
        }
    }

    @Test
    void audioThatReflectsASecretIsCutBeforeItWhereverTheChunksSplitIt() {
        try (Arena arena = Arena.start()) {
            for (String secret : List.of(Arena.KEY, arena.token)) {
                String audio = "ID3" + "#".repeat(300) + "Authorization: Bearer " + secret + "~".repeat(300);
                // 7-byte pieces: the secret reaches the broker split over several reads of the upstream stream.
                arena.fake.faultNext("/v1/audio/speech", 1, Fault.body(200, "audio/mpeg", audio).trickled(7, java.time.Duration.ofMillis(1)));
                RawHttp.Response cut = arena.send(arena.legit("POST", "/api/sample", "{\"voice\":\"marin\"}"));
                assertEquals(200, cut.status(), "the audio had started: " + cut.statusLine());
                assertEquals(audio.substring(0, audio.indexOf(secret)), cut.body(), "everything before the secret, nothing of it or after");
            }
            RawHttp.Response clean = arena.send(arena.legit("POST", "/api/sample", "{\"voice\":\"marin\"}"));
            assertEquals(200, clean.status());
            assertEquals(3, arena.fake.requestsTo("/v1/audio/speech").size());
            assertTrue(clean.bodyBytes().length > 0, "ordinary audio passes whole");
            for (int i = 0; i < 50 && !arena.broker.stderr().contains("audio carried a secret of this broker"); i++) {
                Vitals.sleep(100);
            }
            assertTrue(arena.broker.stderr().contains("ERROR the upstream's audio carried a secret of this broker"),
                    "the cut is logged as an error: " + arena.broker.stderr());
        }
    }

    @Test
    void nothingInTheWholeRunLeaked() {
        List<String> sightings = Leaks.suiteSightings();
        Report.line("leaks", Leaks.suiteScans() + " texts scanned in this test JVM (answers, logs, argv), " + sightings.size() + " sightings");
        assertEquals(List.of(), sightings);
    }
}
