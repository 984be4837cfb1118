package voicebroker.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIf;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Load: many clients minting at once, with the call-rate limits raised for the test (VOICE_CALLS_PER_MINUTE,
 * VOICE_UPSTREAM_CONCURRENCY) so that throughput, not the budget, is what is measured. Every request must be
 * answered; the only refusal allowed is the designed {@code rate_limited}; the broker's resident memory
 * (VmRSS, sampled every 100 ms) stays bounded; afterwards it holds no more descriptors or threads than before.
 * The numbers are published through {@link Report}. The soak variant runs twenty times as many mints.
 */
class LoadIT {
    private static final int CLIENTS = 64;
    /** The production JVM options cap the heap at 128 MiB; everything else the JVM needs fits well under this. */
    private static final long RSS_BOUND_KIB = 300 * 1024;

    @Test
    @DisabledIf("voicebroker.adversarial.Soak#enabled")
    void tenThousandMintsFromSixtyFourClients() throws Exception {
        run(2, 5_000, Duration.ofMinutes(3));
    }

    @Test
    @EnabledIf("voicebroker.adversarial.Soak#enabled")
    void soakTwoHundredThousandMints() throws Exception {
        run(20, 10_000, Duration.ofMinutes(30));
    }

    /**
     * Runs {@code phases} rounds of {@code perPhase} mints against one broker. Descriptors and threads may grow with
     * the number of clients (the upstream client keeps an idle connection per concurrent call for reuse, and its
     * worker threads for a minute) but never with the number of requests: after the last round the broker must
     * hold no more than after the first.
     */
    private void run(int phases, int perPhase, Duration limit) throws Exception {
        try (Arena arena = Arena.builder().env("VOICE_CALLS_PER_MINUTE", "1000000")
                .env("VOICE_UPSTREAM_CONCURRENCY", String.valueOf(CLIENTS)).start()) {
            Vitals baseline = arena.warmBaseline();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            Vitals first = null;
            for (int phase = 1; phase <= phases; phase++) {
                arena.fake.clear();
                load(arena, http, perPhase, limit, phase + "/" + phases, baseline);
                Vitals.sleep(1_000);
                Vitals now = arena.vitals();
                Report.line("load", "after round " + phase + " of " + phases + ": " + now);
                // Bounded by the clients, not by the thousands of requests: a connection each way per client, and
                // threads for the connections and the upstream client's pool (whose idle threads live a minute).
                assertTrue(now.fds() <= baseline.fds() + 2 * CLIENTS + 8, "descriptors bounded by the clients, not the requests: " + now);
                assertTrue(now.threads() <= baseline.threads() + 4 * CLIENTS, "threads bounded by the clients: " + now);
                if (first == null) {
                    first = now;
                } else {
                    assertTrue(now.fds() <= first.fds() + 8, "no descriptor leak: " + first + " after round 1, " + now + " after round " + phase);
                }
            }
            arena.assertMints("after the load");
            if (phases > 2) {
                // The soak also waits for everything transient to go: extra workers (5 s idle), the upstream
                // client's threads (60 s idle) and the clients' keep-alive connections (30 s idle).
                Vitals settled = Vitals.awaitSettled(arena.pid(), baseline, CLIENTS + 8, 8, Duration.ofSeconds(120));
                Report.line("load", "after the soak the broker settled at " + settled + " (baseline " + baseline + ")");
            }
        }
    }

    private void load(Arena arena, HttpClient http, int total, Duration limit, String round, Vitals baseline) throws Exception {
        {
            HttpRequest mint = HttpRequest.newBuilder(URI.create(arena.broker.url() + "/api/session")).timeout(Duration.ofSeconds(30))
                    .header("Origin", Arena.ORIGIN).header("Authorization", "Bearer " + arena.token)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"voice\":\"marin\"}")).build();

            AtomicInteger issued = new AtomicInteger();
            Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
            List<String> failures = new CopyOnWriteArrayList<>();
            long[] latencies = new long[total];
            AtomicInteger answered = new AtomicInteger();
            AtomicLong peakRss = new AtomicLong();
            AtomicInteger peakThreads = new AtomicInteger();
            AtomicBoolean done = new AtomicBoolean();
            long deadline = System.nanoTime() + limit.toNanos();

            Thread sampler = new Thread(() -> {
                while (!done.get()) {
                    Vitals now = arena.vitals();
                    peakRss.accumulateAndGet(now.rssKib(), Math::max);
                    peakThreads.accumulateAndGet(now.threads(), Math::max);
                    Vitals.sleep(100);
                }
            }, "rss-sampler");
            sampler.setDaemon(true);
            sampler.start();

            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            long start = System.nanoTime();
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    running.add(clients.submit(() -> {
                        for (int i = issued.getAndIncrement(); i < total && System.nanoTime() < deadline; i = issued.getAndIncrement()) {
                            long sent = System.nanoTime();
                            try {
                                HttpResponse<String> response = http.send(mint, HttpResponse.BodyHandlers.ofString());
                                latencies[i] = System.nanoTime() - sent;
                                answered.incrementAndGet();
                                String outcome = response.statusCode() == 200 && response.body().contains("\"value\":\"ek_") ? "200 minted"
                                        : response.statusCode() + " " + Arena.json(response.body()).path("error").asText();
                                outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
                                if (i % 500 == 0) {
                                    arena.scan("a load answer", response.headers().map() + response.body());
                                }
                            } catch (IOException e) {
                                failures.add(i + ": " + e);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> client : running) {
                    client.get(limit.toSeconds() + 60, TimeUnit.SECONDS);
                }
            } finally {
                clients.shutdownNow();
                done.set(true);
                sampler.join(2_000);
            }
            double seconds = (System.nanoTime() - start) / 1e9;

            long[] measured = Arrays.stream(latencies).filter(l -> l > 0).sorted().toArray();
            Map<String, Integer> counts = new TreeMap<>();
            outcomes.forEach((k, v) -> counts.put(k, v.get()));
            Report.line("load", round + ": " + String.format(Locale.ROOT, "%d mints from %d clients in %.1f s (%.0f/s); p50 %.1f ms, p99 %.1f ms, max %.1f ms;"
                            + " answers %s; broker peak VmRSS %d MiB, peak threads %d (baseline %s)", total, CLIENTS, seconds,
                    answered.get() / seconds, percentile(measured, 0.50), percentile(measured, 0.99), percentile(measured, 1.0), counts,
                    peakRss.get() / 1024, peakThreads.get(), baseline));

            assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())), "every request was answered");
            assertEquals(total, answered.get(), "every request was answered within " + limit);
            int minted = counts.getOrDefault("200 minted", 0);
            int rateLimited = counts.getOrDefault("429 rate_limited", 0);
            assertEquals(total, minted + rateLimited, "no answer but a mint or the designed rate_limited: " + counts);
            assertEquals(minted, arena.upstreamMints(), "one upstream call per mint, none for refusals");
            assertTrue(peakRss.get() > 0 && peakRss.get() < RSS_BOUND_KIB, "memory stayed bounded: peak VmRSS " + peakRss.get() / 1024 + " MiB");
        }
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }
}
