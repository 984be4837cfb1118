package voicebroker.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import voicebroker.config.Secret;
import voicebroker.error.Refusal;
import voicebroker.net.Origin;

/** Each guard on its own: what it lets through and what it refuses, with which code and status. */
class GuardsTest {
    private static final String TOKEN = "tok-0123456789abcdefghijklmnopqrstuvwxyz";

    private static RequestFacts request(String peer, String target, String... headerPairs) throws Exception {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 0; i < headerPairs.length; i += 2) {
            headers.computeIfAbsent(headerPairs[i], k -> new ArrayList<>()).add(headerPairs[i + 1]);
        }
        return new RequestFacts(InetAddress.getByName(peer), "POST", target, headers);
    }

    private static String code(Optional<Refusal> refusal) {
        return refusal.map(r -> r.code().code() + "/" + r.status()).orElse("allowed");
    }

    @Test
    void peerGuardAllowsOnlyLoopbackIncludingMappedAddresses() throws Exception {
        LoopbackPeerGuard guard = new LoopbackPeerGuard();
        assertEquals("allowed", code(guard.check(request("127.0.0.1", "/"))));
        assertEquals("allowed", code(guard.check(request("127.3.4.5", "/"))));
        assertEquals("allowed", code(guard.check(request("::1", "/"))));
        assertEquals("allowed", code(guard.check(request("::ffff:127.0.0.1", "/"))));
        assertEquals("non_loopback/403", code(guard.check(request("192.0.2.10", "/", "X-Forwarded-For", "127.0.0.1"))));
        assertEquals("non_loopback/403", code(guard.check(request("::ffff:192.0.2.10", "/", "X-Real-IP", "127.0.0.1"))));
        assertEquals("non_loopback/403", code(guard.check(request("fd00::2", "/", "Forwarded", "for=127.0.0.1"))));
    }

    @Test
    void hostGuardWantsExactlyOneAllowedHost() throws Exception {
        HostGuard guard = HostGuard.forLoopbackPort(8099);
        for (String ok : List.of("localhost:8099", "127.0.0.1:8099", "[::1]:8099", "LOCALHOST:8099")) {
            assertEquals("allowed", code(guard.check(request("127.0.0.1", "/api/health", "Host", ok))), ok);
        }
        for (String foreign : List.of("evil.example:8099", "localhost.:8099", "0.0.0.0:8099", "127.1:8099",
                "localhost:8098", "localhost", "[::ffff:127.0.0.1]:8099", "2130706433:8099", "localhost.evil.example:8099")) {
            assertEquals("bad_host/403", code(guard.check(request("127.0.0.1", "/api/health", "Host", foreign))), foreign);
        }
        assertEquals("bad_host/400", code(guard.check(request("127.0.0.1", "/api/health"))));
        assertEquals("bad_host/400", code(guard.check(request("127.0.0.1", "/api/health", "Host", "localhost:8099", "Host", "localhost:8099"))));
        assertEquals("bad_host/400", code(guard.check(request("127.0.0.1", "/api/health", "Host", "local host:8099"))));
        assertEquals("bad_host/400", code(guard.check(request("127.0.0.1", "http://localhost:8099/api/health", "Host", "localhost:8099"))));
    }

    @Test
    void originGuardComparesWholeStrings() throws Exception {
        OriginGuard guard = new OriginGuard(List.of(Origin.parse("http://localhost:5173")));
        assertEquals("allowed", code(guard.check(request("127.0.0.1", "/"))));
        assertEquals("allowed", code(guard.check(request("127.0.0.1", "/", "Origin", "http://localhost:5173"))));
        for (String bad : List.of("null", "http://localhost:3000", "http://localhost:51730", "http://localhost:517",
                "http://localhost:5173.evil.example", "https://localhost:5173", "http://localhost:5173/", "http://127.0.0.1:5173", "")) {
            assertEquals("forbidden_origin/403", code(guard.check(request("127.0.0.1", "/", "Origin", bad))), bad);
        }
        assertEquals("forbidden_origin/403", code(guard.check(request("127.0.0.1", "/", "Origin", "http://localhost:5173", "Origin", "http://localhost:5173"))));
        assertEquals("forbidden_origin/403", code(guard.check(request("127.0.0.1", "/", "Sec-Fetch-Site", "cross-site"))));
        assertEquals("allowed", code(guard.check(request("127.0.0.1", "/", "Sec-Fetch-Site", "none"))));
    }

    @Test
    void tokenGuardAcceptsOnlyTheHeaderTokenAndThrottlesWrongOnes() throws Exception {
        TokenGuard guard = new TokenGuard(Secret.of(TOKEN), Optional.of("x-dash-token"), new FailureThrottle(3, Duration.ofSeconds(30)));
        assertEquals("allowed", code(guard.check(request("127.0.0.1", "/", "Authorization", "Bearer " + TOKEN))));
        assertEquals("allowed", code(guard.check(request("127.0.0.1", "/", "X-Dash-Token", TOKEN))));
        assertEquals("missing_token/401", code(guard.check(request("127.0.0.1", "/api/session?token=" + TOKEN))));
        assertEquals("missing_token/401", code(guard.check(request("127.0.0.1", "/", "Cookie", "token=" + TOKEN))));
        assertEquals("bad_token/401", code(guard.check(request("127.0.0.1", "/", "Authorization", "Basic " + TOKEN))));
        assertEquals("bad_token/401", code(guard.check(request("127.0.0.1", "/", "Authorization", "Bearer " + TOKEN + "x"))));
        assertEquals("bad_token/401", code(guard.check(request("127.0.0.1", "/", "Authorization", "Bearer " + TOKEN, "X-Dash-Token", TOKEN))));
        assertEquals("too_many_failures/429", code(guard.check(request("127.0.0.1", "/", "Authorization", "Bearer nope"))));
        assertEquals("allowed", code(guard.check(request("127.0.0.1", "/", "Authorization", "Bearer " + TOKEN))), "the valid token still works");
    }

    @Test
    void jsonGuardParsesTheMediaType() throws Exception {
        JsonContentTypeGuard guard = new JsonContentTypeGuard();
        assertEquals("allowed", code(guard.check(request("127.0.0.1", "/", "Content-Type", "application/json"))));
        assertEquals("allowed", code(guard.check(request("127.0.0.1", "/", "Content-Type", "Application/JSON; charset=UTF-8"))));
        for (String bad : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                "text/plain; application/json", "application/json-patch+json", "application/jsonx", "application/json; charset=latin1")) {
            assertEquals("unsupported_media_type/415", code(guard.check(request("127.0.0.1", "/", "Content-Type", bad))), bad);
        }
        assertEquals("unsupported_media_type/415", code(guard.check(request("127.0.0.1", "/"))));
    }

    @Test
    void callBudgetCapsCallsPerMinuteWithRetryAfter() {
        CallBudget budget = new CallBudget(10, 2);
        assertTrue(budget.acquire().isEmpty());
        budget.release();
        assertTrue(budget.acquire().isEmpty());
        budget.release();
        Refusal limited = budget.acquire().orElseThrow();
        assertEquals("rate_limited", limited.code().code());
        assertTrue(Integer.parseInt(limited.headers().get("Retry-After")) >= 1);
    }

    @Test
    void callersRacingForTheMinuteBudgetGetExactlyItNoMore() throws Exception {
        CallBudget budget = new CallBudget(10_000, 50);
        AtomicInteger granted = new AtomicInteger();
        List<Thread> racers = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < 16; t++) {
            racers.add(new Thread(() -> {
                awaitQuietly(go);
                for (int i = 0; i < 100; i++) {
                    budget.acquire().ifPresentOrElse(refused -> { }, granted::incrementAndGet);
                }
            }));
            racers.get(t).start();
        }
        long start = System.nanoTime();
        go.countDown();
        for (Thread racer : racers) {
            racer.join();
        }
        long refilled = (System.nanoTime() - start) / 1_200_000_000L; // one call back every 1.2 s, on a machine that slow
        assertTrue(granted.get() >= 50 && granted.get() <= 50 + refilled, "1600 racing attempts share the minute's 50 calls: " + granted);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void callBudgetCapsCallsInFlight() {
        CallBudget budget = new CallBudget(1, 100);
        assertTrue(budget.acquire().isEmpty());
        assertEquals("rate_limited", budget.acquire().orElseThrow().code().code());
        budget.release();
        assertTrue(budget.acquire().isEmpty());
    }
}
