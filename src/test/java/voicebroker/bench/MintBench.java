package voicebroker.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import voicebroker.bench.BenchContext.Broker;
import voicebroker.bench.Table.Met;
import voicebroker.bench.Table.Row;
import voicebroker.testkit.FakeOpenAi;

/**
 * The mint figures: latency through the broker against the same call made straight to the fake (sequential and
 * with 32 clients), and through the original when it is given; CPU per mint; RSS idle and after many mints;
 * upstream connections for 100 mints; time-to-token with a slow upstream, cold and with the warm secret. Every
 * side is interleaved with the others (rotating calls, or rotating phases under load) so that the machine's
 * noise lands on all alike. The original's overhead is measured against its own direct call (the very request
 * it sent upstream), as the broker's is.
 */
final class MintBench {
    static final String CLIENT_SECRETS = "/realtime/client_secrets";
    private final BenchContext ctx;

    MintBench(BenchContext ctx) {
        this.ctx = ctx;
    }

    /** A way to mint: a kept-alive connection, the request bytes, and the pid whose CPU it costs (-1: none). */
    record Caller(String name, Http1 connection, byte[] request, long pid) {
    }

    // ---- 1. mint latency -------------------------------------------------------------------------------------

    void latency() throws Exception {
        ctx.progress("mint latency: starting a broker" + (ctx.original.isPresent() ? " and the original" : ""));
        try (Broker broker = ctx.startBroker(Map.of()); OptionalServer original = OptionalServer.start(ctx)) {
            List<Caller> callers = new ArrayList<>();
            callers.add(new Caller("broker", broker.connection(), broker.mint(), broker.pid()));
            callers.add(new Caller("direct", ctx.fakeConnection(), directFor(callers.get(0)), -1));
            try (ProxyFloorProcess floor = ProxyFloorProcess.start(ctx, ctx.lastUpstream(CLIENT_SECRETS).body())) {
                latency(broker, original, callers, floor);
            }
        }
    }

    /**
     * The floor takes part in both rotations. Under load it is one more process on the two cores, but an idle one
     * while the others' phases run; its p99 says what the server, the client and the threads alone hold at 32 clients.
     */
    private void latency(Broker broker, OptionalServer original, List<Caller> callers, ProxyFloorProcess floor) throws Exception {
        original.server().ifPresent(o -> {
            callers.add(new Caller("original", o.connection(), o.mint(), o.pid()));
            callers.add(new Caller("original's direct", ctx.fakeConnection(), directFor(callers.get(2)), -1));
        });
        List<Caller> sequential = new ArrayList<>(callers);
        Caller atFloor = new Caller("floor", floor.connection(), broker.mint(), floor.pid());
        sequential.add(atFloor);
        try {
            int warmup = ctx.options.warmupMints();
            ctx.progress("mint latency: " + warmup + " warm-up mints each way");
            for (int i = 0; i < warmup; i++) {
                for (Caller caller : sequential) {
                    caller.connection().exchange(caller.request());
                }
                clearFakeEvery(i, 500);
            }
            sequential(sequential);
            concurrent(broker, callers, atFloor);
        } finally {
            sequential.forEach(c -> c.connection().close());
        }
    }

    private static int indexOf(List<Caller> callers, String name) {
        for (int i = 0; i < callers.size(); i++) {
            if (callers.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** One mint through this caller, then the same request as the fake recorded it, sent straight with the key. */
    private byte[] directFor(Caller caller) {
        try {
            BenchContext.expect(caller.connection(), caller.request(), 200);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return ctx.directRequest(ctx.lastUpstream(CLIENT_SECRETS));
    }

    private void sequential(List<Caller> callers) {
        int n = ctx.options.seqMints();
        int k = callers.size();
        long[] cpuBefore = callers.stream().mapToLong(c -> c.pid() < 0 ? -1 : BenchContext.cpuMillis(c.pid())).toArray();
        ctx.progress("mint latency: " + n + " sequential mints each way, rotating");
        long[][] nanos = new long[k][n];
        int errors = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                int c = (i + j) % k;
                nanos[c][i] = timed(callers.get(c).connection(), callers.get(c).request());
                errors += nanos[c][i] < 0 ? 1 : 0;
            }
            clearFakeEvery(i, 500);
        }
        double[] cpuMs = new double[k];
        for (int c = 0; c < k; c++) {
            long pid = callers.get(c).pid();
            cpuMs[c] = pid < 0 || cpuBefore[c] < 0 ? Double.NaN : (BenchContext.cpuMillis(pid) - cpuBefore[c]) / (double) n;
        }
        int o = indexOf(callers, "original");
        int f = indexOf(callers, "floor");
        Stats sb = Stats.of(nanos[0]);
        Stats sd = Stats.of(nanos[1]);
        Stats so = o >= 0 ? Stats.of(nanos[o]) : null;
        Stats sod = o >= 0 ? Stats.of(nanos[o + 1]) : null;
        double brokerOverhead = sb.p50Ms() - sd.p50Ms();
        double originalOverhead = so == null ? Double.NaN : so.p50Ms() - sod.p50Ms();
        ctx.table.add(new Row("mint", "Mint, sequential, p50", sb.p50Ms(), sd.p50Ms(), Table.overhead(sb.p50Ms(), sd.p50Ms()),
                so == null ? Double.NaN : so.p50Ms(), "—", Met.NONE, "ms"));
        ctx.table.add(new Row("mint", "Mint overhead over the direct call, sequential p50", brokerOverhead, Double.NaN, "—",
                originalOverhead, "≤ 1.0 × original (stretch 0.5 ×)", Table.atMostTimes(brokerOverhead, originalOverhead, 1.0), "ms"));
        ctx.table.add(new Row("mint", "Mint, sequential, p99", sb.p99Ms(), sd.p99Ms(), Table.overhead(sb.p99Ms(), sd.p99Ms()),
                so == null ? Double.NaN : so.p99Ms(), "—", Met.NONE, "ms"));
        ctx.table.add(new Row("mint", "CPU (user + system) per sequential mint", cpuMs[0], Double.NaN, "—",
                o >= 0 ? cpuMs[o] : Double.NaN, "≤ 0.5 ms", Table.atMost(cpuMs[0], 0.5), "ms"));
        if (f >= 0) {
            double floorOverhead = Stats.of(nanos[f]).p50Ms() - sd.p50Ms();
            ctx.table.add(new Row("mint", "Floor: the broker's server + Apache HttpClient forwarding, no checks, overhead p50", floorOverhead,
                    Double.NaN, "—", originalOverhead, "—", Met.NONE, "ms"));
            ctx.table.note(String.format(Locale.ROOT, "the floor (bench/ProxyFloor: the broker's HTTP server and client, the broker's"
                    + " JVM flags, forwarding the broker's upstream body unread) used %.3f ms of CPU per request; the broker adds"
                    + " %.3f ms of overhead and %.3f ms of CPU to it", cpuMs[f], brokerOverhead - floorOverhead, cpuMs[0] - cpuMs[f]));
        }
        if (so != null) {
            ctx.table.note(String.format(Locale.ROOT, "the original's direct reference (its own, larger upstream body) had p50 %.3f ms,"
                    + " the broker's %.3f ms", sod.p50Ms(), sd.p50Ms()));
        }
        if (errors > 0) {
            ctx.table.note(errors + " sequential calls did not answer 200 (left out of the percentiles)");
        }
    }

    private void concurrent(Broker broker, List<Caller> callers, Caller floor) throws Exception {
        int threads = ctx.options.concurrency;
        int perThread = ctx.options.concurrentPerThread();
        int rounds = ctx.options.concurrentRounds();
        List<Caller> sides = new ArrayList<>(callers.subList(0, 2));
        sides.add(floor);
        if (callers.size() > 2) {
            sides.add(callers.get(2));
        }
        ctx.progress("mint latency: " + threads + " clients, " + rounds + " rounds of " + threads + " x " + perThread
                + " mints per side (" + sides.size() + " sides, phases rotating)");
        List<Http1[]> connections = new ArrayList<>();
        for (Caller side : sides) {
            Http1[] forSide = new Http1[threads];
            for (int t = 0; t < threads; t++) {
                forSide[t] = new Http1("127.0.0.1", side.connection().port()).connect();
            }
            connections.add(forSide);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int s = 0; s < sides.size(); s++) {
                phase(pool, connections.get(s), sides.get(s).request(), perThread, null); // unmeasured: connections, threads, JIT
            }
            List<List<long[]>> samples = new ArrayList<>();
            long[] wall = new long[sides.size()];
            sides.forEach(side -> samples.add(new ArrayList<>()));
            for (int r = 0; r < rounds; r++) {
                for (int j = 0; j < sides.size(); j++) {
                    int s = (r + j) % sides.size();
                    ctx.fake.clear();
                    wall[s] += phase(pool, connections.get(s), sides.get(s).request(), perThread, samples.get(s));
                }
            }
            Stats sb = Stats.of(flatten(samples.get(0)));
            Stats sd = Stats.of(flatten(samples.get(1)));
            Stats sf = Stats.of(flatten(samples.get(2)));
            Stats so = sides.size() > 3 ? Stats.of(flatten(samples.get(3))) : null;
            double op50 = so == null ? Double.NaN : so.p50Ms();
            double op99 = so == null ? Double.NaN : so.p99Ms();
            String label = "Mint, " + threads + " concurrent clients";
            ctx.table.add(new Row("mint", label + ", p50", sb.p50Ms(), sd.p50Ms(), Table.overhead(sb.p50Ms(), sd.p50Ms()),
                    op50, "—", Met.NONE, "ms"));
            ctx.table.add(new Row("mint", label + ", p99", sb.p99Ms(), sd.p99Ms(), Table.overhead(sb.p99Ms(), sd.p99Ms()),
                    op99, "≤ 1.25 × original", Table.atMostTimes(sb.p99Ms(), op99, 1.25), "ms"));
            ctx.table.add(new Row("mint", "Floor: the broker's server + Apache HttpClient forwarding, " + threads + " concurrent clients, p99",
                    sf.p99Ms(), sd.p99Ms(), Table.overhead(sf.p99Ms(), sd.p99Ms()), op99, "—", Met.NONE, "ms"));
            double brokerRate = sb.count() / (wall[0] / 1e9);
            double directRate = sd.count() / (wall[1] / 1e9);
            double originalRate = so == null ? Double.NaN : so.count() / (wall[3] / 1e9);
            ctx.table.add(new Row("mint", label + ", throughput", brokerRate, directRate, Table.ratio(brokerRate, directRate),
                    originalRate, "—", Met.NONE, "mints/s"));
            long failed = samples.stream().mapToLong(list -> java.util.Arrays.stream(flatten(list)).filter(x -> x < 0).count()).sum();
            if (failed > 0) {
                ctx.table.note(failed + " concurrent calls did not answer 200 (left out of the percentiles)");
            }
        } finally {
            pool.shutdownNow();
            connections.forEach(forSide -> java.util.Arrays.stream(forSide).forEach(Http1::close));
        }
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

    /** The original sidecar when it is part of this run, closed with the broker. */
    /** {@link ProxyFloor} in a JVM of its own with the broker's flags, forwarding {@code body} to the fake. */
    record ProxyFloorProcess(Process process, int port) implements AutoCloseable {
        static ProxyFloorProcess start(BenchContext ctx, byte[] body) throws IOException {
            Path bodyFile = Files.createTempFile("voice-bench-floor", ".json");
            Files.write(bodyFile, body);
            bodyFile.toFile().deleteOnExit();
            int port = voicebroker.testkit.BrokerProcess.freePort();
            List<String> command = new ArrayList<>();
            command.add(ctx.options.java.toString());
            command.addAll(ctx.jvmFlags());
            String testClasses = Path.of(URI.create(ProxyFloor.class.getProtectionDomain().getCodeSource().getLocation().toString())).toString();
            command.addAll(List.of("-cp", ctx.options.jar + java.io.File.pathSeparator + testClasses, ProxyFloor.class.getName(),
                    Integer.toString(port), ctx.fake.baseUrl() + CLIENT_SECRETS, bodyFile.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().put("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY); // as the broker gets it: never on a command line
            Process process = builder.start();
            String ready = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (!"floor ready".equals(ready)) {
                process.destroyForcibly();
                throw new IOException("the floor server did not start: " + ready);
            }
            return new ProxyFloorProcess(process, port);
        }

        Http1 connection() {
            return new Http1("127.0.0.1", port);
        }

        long pid() {
            return process.pid();
        }

        @Override
        public void close() {
            process.destroy();
        }
    }

    record OptionalServer(Optional<Original.Server> server) implements AutoCloseable {
        static OptionalServer start(BenchContext ctx) {
            return new OptionalServer(ctx.original.map(o -> o.start(ctx.fake)));
        }

        @Override
        public void close() {
            server.ifPresent(Original.Server::close);
        }
    }

    // ---- 4 and 5. RSS and upstream connections ---------------------------------------------------------------

    void rssAndConnections(boolean rss, boolean conns) throws Exception {
        ctx.progress("RSS / connections: starting a fresh broker" + (ctx.original.isPresent() ? " and the original" : ""));
        ctx.fake.clear();
        try (Broker broker = ctx.startBroker(Map.of()); OptionalServer original = OptionalServer.start(ctx)) {
            long pid = broker.pid();
            long originalPid = original.server().map(Original.Server::pid).orElse(-1L);
            try (Http1 b = broker.connection()) {
                BenchContext.sleep(ctx.options.quick ? 300 : 1500);
                BenchContext.expect(b, broker.health(), 200);
                BenchContext.sleep(ctx.options.quick ? 200 : 1000);
                long idle = BenchContext.rssKib(pid);
                if (rss) {
                    ctx.table.note("idle: " + BenchContext.rssBreakdown(pid));
                    ctx.table.add(new Row("rss", "Idle RSS (after start and one health check)", idle / 1024.0, Double.NaN, "—",
                            mib(originalPid), "≤ 50 MiB", Table.atMost(idle / 1024.0, 50), "MiB"));
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
                ctx.progress("RSS: " + total + " mints from 8 clients" + (originalPid > 0 ? ", each side" : ""));
                int failed = mintMany(broker.port, broker.mint(), total, 8);
                failed += original.server().map(o -> mintMany(o.port, o.mint(), total, 8)).orElse(0);
                BenchContext.sleep(ctx.options.quick ? 200 : 1000);
                long after = BenchContext.rssKib(pid);
                double originalAfter = mib(originalPid);
                ctx.table.note(String.format("after %d mints: ", total) + BenchContext.rssBreakdown(pid));
                long peak = BenchContext.peakRssKib(pid);
                ctx.table.add(new Row("rss", String.format("RSS after %,d mints (peak %.0f MiB)", total, peak / 1024.0)
                        .replace(',', ' '), after / 1024.0, Double.NaN, "—", originalAfter, "≤ 1.5 × original",
                        Table.atMostTimes(after / 1024.0, originalAfter, 1.5), "MiB"));
                if (failed > 0) {
                    ctx.table.note(failed + " of the RSS run's mints did not answer 200");
                }
            }
        }
    }

    private static double mib(long pid) {
        return pid < 0 ? Double.NaN : BenchContext.rssKib(pid) / 1024.0;
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

    private int mintMany(int port, byte[] mint, int total, int threads) {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    try (Http1 b = new Http1("127.0.0.1", port)) {
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
        } catch (Exception e) {
            throw new IllegalStateException(e);
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
