package voicebroker.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import voicebroker.bench.BenchContext.Broker;
import voicebroker.bench.Table.Met;
import voicebroker.bench.Table.Row;

/**
 * The mint figures: latency through the broker against the same call made straight to the fake (sequential and
 * with 32 clients), RSS idle and after many mints, upstream connections for 100 mints, and time-to-token with a
 * slow upstream, cold and with the warm secret. Broker and direct calls are interleaved (alternating calls, or
 * alternating phases under load) so that the machine's noise lands on both alike.
 */
final class MintBench {
    static final String CLIENT_SECRETS = "/realtime/client_secrets";
    private final BenchContext ctx;

    MintBench(BenchContext ctx) {
        this.ctx = ctx;
    }

    // ---- 1. mint latency -------------------------------------------------------------------------------------

    void latency() throws Exception {
        ctx.progress("mint latency: starting a broker");
        try (Broker broker = ctx.startBroker(Map.of())) {
            byte[] mint = broker.mint();
            byte[] direct;
            try (Http1 b = broker.connection(); Http1 d = ctx.fakeConnection()) {
                BenchContext.expect(b, mint, 200);
                direct = ctx.directRequest(ctx.lastUpstream(CLIENT_SECRETS));
                BenchContext.expect(d, direct, 200);
                int warmup = ctx.options.warmupMints();
                ctx.progress("mint latency: " + warmup + " warm-up mints each way");
                for (int i = 0; i < warmup; i++) {
                    b.exchange(mint);
                    d.exchange(direct);
                    clearFakeEvery(i, 500);
                }
                sequential(b, d, mint, direct, broker.pid());
            }
            concurrent(broker, mint, direct);
        }
    }

    private void sequential(Http1 b, Http1 d, byte[] mint, byte[] direct, long pid) throws IOException {
        int n = ctx.options.seqMints();
        long cpuBefore = BenchContext.cpuMillis(pid);
        ctx.progress("mint latency: " + n + " sequential mints each way, alternating");
        long[] brokerNanos = new long[n];
        long[] directNanos = new long[n];
        int errors = 0;
        for (int i = 0; i < n; i++) {
            if (i % 2 == 0) {
                brokerNanos[i] = timed(b, mint);
                directNanos[i] = timed(d, direct);
            } else {
                directNanos[i] = timed(d, direct);
                brokerNanos[i] = timed(b, mint);
            }
            errors += (brokerNanos[i] < 0 ? 1 : 0) + (directNanos[i] < 0 ? 1 : 0);
            clearFakeEvery(i, 500);
        }
        long cpu = BenchContext.cpuMillis(pid) - cpuBefore;
        Stats sb = Stats.of(brokerNanos);
        Stats sd = Stats.of(directNanos);
        if (cpuBefore >= 0) {
            ctx.table.note(String.format(java.util.Locale.ROOT, "broker CPU (user + system) per sequential mint: %.0f µs", cpu * 1000.0 / n));
        }
        ctx.table.add(new Row("mint", "Mint, sequential, p50", sb.p50Ms(), sd.p50Ms(), Table.overhead(sb.p50Ms(), sd.p50Ms()),
                "overhead ≤ 0.13 ms", Table.atMost(sb.p50Ms() - sd.p50Ms(), 0.13), "ms"));
        ctx.table.add(new Row("mint", "Mint, sequential, p99", sb.p99Ms(), sd.p99Ms(), Table.overhead(sb.p99Ms(), sd.p99Ms()),
                "—", Met.NONE, "ms"));
        if (errors > 0) {
            ctx.table.note(errors + " sequential calls did not answer 200 (left out of the percentiles)");
        }
    }

    private void concurrent(Broker broker, byte[] mint, byte[] direct) throws Exception {
        int threads = ctx.options.concurrency;
        int perThread = ctx.options.concurrentPerThread();
        int rounds = ctx.options.concurrentRounds();
        ctx.progress("mint latency: " + threads + " clients, " + rounds + " rounds of " + threads + " x " + perThread
                + " mints each way");
        Http1[] brokerConnections = new Http1[threads];
        Http1[] directConnections = new Http1[threads];
        for (int t = 0; t < threads; t++) {
            brokerConnections[t] = broker.connection().connect();
            directConnections[t] = ctx.fakeConnection().connect();
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            // One unmeasured round each way: new connections, new threads, the JIT.
            phase(pool, brokerConnections, mint, perThread);
            phase(pool, directConnections, direct, perThread);
            List<long[]> brokerSamples = new ArrayList<>();
            List<long[]> directSamples = new ArrayList<>();
            long brokerWall = 0;
            long directWall = 0;
            for (int r = 0; r < rounds; r++) {
                ctx.fake.clear();
                if (r % 2 == 0) {
                    brokerWall += phase(pool, brokerConnections, mint, perThread, brokerSamples);
                    directWall += phase(pool, directConnections, direct, perThread, directSamples);
                } else {
                    directWall += phase(pool, directConnections, direct, perThread, directSamples);
                    brokerWall += phase(pool, brokerConnections, mint, perThread, brokerSamples);
                }
            }
            Stats sb = Stats.of(flatten(brokerSamples));
            Stats sd = Stats.of(flatten(directSamples));
            String label = "Mint, " + threads + " concurrent clients";
            ctx.table.add(new Row("mint", label + ", p50", sb.p50Ms(), sd.p50Ms(), Table.overhead(sb.p50Ms(), sd.p50Ms()),
                    "—", Met.NONE, "ms"));
            ctx.table.add(new Row("mint", label + ", p99", sb.p99Ms(), sd.p99Ms(), Table.overhead(sb.p99Ms(), sd.p99Ms()),
                    "overhead ≤ 2 ms", Table.atMost(sb.p99Ms() - sd.p99Ms(), 2.0), "ms"));
            double brokerRate = sb.count() / (brokerWall / 1e9);
            double directRate = sd.count() / (directWall / 1e9);
            ctx.table.add(new Row("mint", label + ", throughput", brokerRate, directRate, Table.ratio(brokerRate, directRate),
                    "—", Met.NONE, "mints/s"));
            long failed = java.util.Arrays.stream(flatten(brokerSamples)).filter(x -> x < 0).count()
                    + java.util.Arrays.stream(flatten(directSamples)).filter(x -> x < 0).count();
            if (failed > 0) {
                ctx.table.note(failed + " concurrent calls did not answer 200 (left out of the percentiles)");
            }
        } finally {
            pool.shutdownNow();
            for (int t = 0; t < threads; t++) {
                brokerConnections[t].close();
                directConnections[t].close();
            }
        }
    }

    private long phase(ExecutorService pool, Http1[] connections, byte[] request, int perThread) throws Exception {
        return phase(pool, connections, request, perThread, null);
    }

    /** All threads start together, each sends {@code perThread} requests on its own connection; answers wall time. */
    private long phase(ExecutorService pool, Http1[] connections, byte[] request, int perThread, List<long[]> samples)
            throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Callable<long[]>> tasks = new ArrayList<>();
        for (Http1 connection : connections) {
            tasks.add(() -> {
                long[] nanos = new long[perThread];
                go.await();
                for (int i = 0; i < perThread; i++) {
                    nanos[i] = timed(connection, request);
                }
                return nanos;
            });
        }
        List<Future<long[]>> futures = new ArrayList<>();
        for (Callable<long[]> task : tasks) {
            futures.add(pool.submit(task));
        }
        BenchContext.sleep(20); // let every thread reach the gate
        long start = System.nanoTime();
        go.countDown();
        for (Future<long[]> future : futures) {
            long[] nanos = future.get();
            if (samples != null) {
                samples.add(nanos);
            }
        }
        return System.nanoTime() - start;
    }

    private static long[] flatten(List<long[]> parts) {
        int n = parts.stream().mapToInt(a -> a.length).sum();
        long[] all = new long[n];
        int at = 0;
        for (long[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /** One exchange's latency in ns, or -1 when it did not answer 200. */
    private static long timed(Http1 connection, byte[] request) {
        long start = System.nanoTime();
        try {
            Http1.Response response = connection.exchange(request);
            long took = System.nanoTime() - start;
            return response.status() == 200 ? took : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The fake keeps every request; forget them now and then so its memory and list copies stay small. */
    private void clearFakeEvery(int i, int every) {
        if (i % every == every - 1) {
            ctx.fake.clear();
        }
    }

    // ---- 4 and 5. RSS and upstream connections ---------------------------------------------------------------

    void rssAndConnections(boolean rss, boolean conns) throws Exception {
        ctx.progress("RSS / connections: starting a fresh broker");
        ctx.fake.clear();
        try (Broker broker = ctx.startBroker(Map.of())) {
            long pid = broker.pid();
            try (Http1 b = broker.connection()) {
                BenchContext.sleep(ctx.options.quick ? 300 : 1500);
                BenchContext.expect(b, broker.health(), 200);
                BenchContext.sleep(ctx.options.quick ? 200 : 1000);
                long idle = BenchContext.rssKib(pid);
                if (rss) {
                    ctx.table.note("idle: " + BenchContext.rssBreakdown(pid));
                    ctx.table.add(new Row("rss", "Idle RSS (after start and one health check)", idle / 1024.0, Double.NaN, "—",
                            "≤ 50 MiB", Table.atMost(idle / 1024.0, 50), "MiB"));
                }
                byte[] mint = broker.mint();
                for (int i = 0; i < 100; i++) {
                    BenchContext.expect(b, mint, 200);
                }
                int opened = ctx.fake.connectionsAccepted();
                if (conns) {
                    int direct = directConnectionsFor100();
                    ctx.table.add(new Row("conns", "Upstream connections opened: start-up + 100 sequential mints", opened, direct,
                            "—", "1", opened == 1 ? Met.YES : Met.NO, ""));
                }
            }
            if (rss) {
                int total = ctx.options.rssMints();
                ctx.progress("RSS: " + total + " mints from 8 clients");
                int failed = mintMany(broker, total, 8);
                BenchContext.sleep(ctx.options.quick ? 200 : 1000);
                long after = BenchContext.rssKib(pid);
                ctx.table.note(String.format("after %d mints: ", total) + BenchContext.rssBreakdown(pid));
                long peak = BenchContext.peakRssKib(pid);
                ctx.table.add(new Row("rss", String.format("RSS after %,d mints (peak %.0f MiB)", total, peak / 1024.0)
                        .replace(',', ' '), after / 1024.0, Double.NaN, "—", "≤ 100 MiB", Table.atMost(after / 1024.0, 100), "MiB"));
                if (failed > 0) {
                    ctx.table.note(failed + " of the RSS run's mints did not answer 200");
                }
            }
        }
    }

    /** The reference: the same 100 calls straight to the fake on one keep-alive connection. */
    private int directConnectionsFor100() throws IOException {
        byte[] direct = ctx.directRequest(ctx.lastUpstream(CLIENT_SECRETS));
        ctx.fake.clear();
        try (Http1 d = ctx.fakeConnection()) {
            for (int i = 0; i < 100; i++) {
                BenchContext.expect(d, direct, 200);
            }
        }
        return ctx.fake.connectionsAccepted();
    }

    private int mintMany(Broker broker, int total, int threads) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        byte[] mint = broker.mint();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    try (Http1 b = broker.connection()) {
                        while (next.getAndIncrement() < total) {
                            if (timed(b, mint) < 0) {
                                failed.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            Thread clearer = new Thread(() -> {
                while (next.get() < total) {
                    ctx.fake.clear();
                    BenchContext.sleep(200);
                }
            });
            clearer.setDaemon(true);
            clearer.start();
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return failed.get();
    }

    // ---- 7. time-to-token with a slow upstream ---------------------------------------------------------------

    void timeToToken() throws Exception {
        long latency = ctx.options.upstreamLatencyMs();
        ctx.fake.latency(Duration.ofMillis(latency));
        try {
            Stats cold;
            Stats direct;
            int runs = ctx.options.tokenRuns();
            ctx.progress("time-to-token: " + latency + " ms upstream, cold broker, " + runs + " runs");
            try (Broker broker = ctx.startBroker(Map.of())) {
                BenchContext.sleep(latency + 200); // the start-up connection warm-up is slow too
                List<Long> brokerNanos = new ArrayList<>();
                List<Long> directNanos = new ArrayList<>();
                byte[] mint = broker.mint();
                try (Http1 b = broker.connection(); Http1 d = ctx.fakeConnection()) {
                    BenchContext.expect(b, mint, 200);
                    byte[] directRequest = ctx.directRequest(ctx.lastUpstream(CLIENT_SECRETS));
                    BenchContext.expect(d, directRequest, 200);
                    for (int i = 0; i < runs; i++) {
                        brokerNanos.add(timed(b, mint));
                        directNanos.add(timed(d, directRequest));
                    }
                }
                cold = Stats.of(brokerNanos);
                direct = Stats.of(directNanos);
            }
            ctx.table.add(new Row("ttt", "Time-to-token, " + latency + " ms upstream, cold (median)", cold.p50Ms(), direct.p50Ms(),
                    Table.overhead(cold.p50Ms(), direct.p50Ms()), "—", Met.NONE, "ms"));

            ctx.progress("time-to-token: VOICE_WARM_SECRET=1, " + runs + " runs");
            try (Broker broker = ctx.startBroker(Map.of("VOICE_WARM_SECRET", "1"))) {
                long pause = 2 * latency + 400; // room for a start-up (or refill) mint to finish
                BenchContext.sleep(pause);
                List<Long> warmNanos = new ArrayList<>();
                byte[] mint = broker.mint();
                try (Http1 b = broker.connection()) {
                    BenchContext.expect(b, mint, 200); // primes the (mode, voice) in case only requests trigger pre-minting
                    BenchContext.sleep(pause);
                    for (int i = 0; i < runs; i++) {
                        warmNanos.add(timed(b, mint));
                        BenchContext.sleep(pause);
                    }
                }
                Stats warm = Stats.of(warmNanos);
                ctx.table.add(new Row("ttt", "Time-to-token, " + latency + " ms upstream, warm secret (median)", warm.p50Ms(),
                        direct.p50Ms(), Table.overhead(warm.p50Ms(), direct.p50Ms()), "≤ 10 ms",
                        Table.atMost(warm.p50Ms(), 10), "ms"));
                if (warm.p50Ms() > latency * 0.8) {
                    ctx.table.note("VOICE_WARM_SECRET=1 made no difference: the warm secret is not active in this build");
                }
            }
        } finally {
            ctx.fake.latency(Duration.ZERO);
        }
    }
}
