package voicebroker.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import voicebroker.bench.Table.Met;
import voicebroker.bench.Table.Row;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;

/**
 * The click figures, as a dashboard page sees them: {@code POST /__start_voice} on a real Vite dev server (already
 * up), from the request to its answer. voice-broker's side is the example dashboard's own Vite config with the
 * project's plugin; the original's side is a Vite server with {@code bench/original-start-voice.config.mjs}, a
 * model of the original's middleware (health probe; keyed → already; else spawn Bun, poll every 200 ms). Cold:
 * nothing runs, the click starts the sidecar (stopped again after each run). Warm: it runs; every page load
 * clicks. The two sides alternate run by run.
 */
final class ClickBench {
    private static final String CLICK_TOKEN = "bench-click-token";
    private final BenchContext ctx;

    ClickBench(BenchContext ctx) {
        this.ctx = ctx;
    }

    void run() throws Exception {
        Path vite = ctx.options.root.resolve("examples/dashboard/node_modules/.bin/vite");
        if (!Files.isExecutable(vite)) {
            throw new IllegalStateException("Vite is not installed; run scripts/install-test-deps (npm ci in examples/dashboard)");
        }
        Path work = StartBench.privateTempDir("bench-click");
        int brokerPort = BrokerProcess.freePort();
        int originalPort = BrokerProcess.freePort();
        Side broker = new Side(() -> DevServer.start(vite, work, ourEnv(work, brokerPort), null), ClickBench::ourClick,
                server -> stopBroker(work, brokerPort), body -> body.path("ok").asBoolean(true));
        Side original = ctx.original.isEmpty() ? null : new Side(() -> DevServer.start(vite, work, originalEnv(originalPort),
                ctx.options.root.resolve("bench/original-start-voice.config.mjs")), this::originalClick, ClickBench::stopBun,
                body -> body.path("ok").asBoolean(false));
        List<Side> sides = original == null ? List.of(broker) : List.of(broker, original);
        int runs = ctx.options.clickRuns();
        ctx.progress("click: " + runs + " cold clicks per side (each on a fresh, settled dev server), then " + 3 * runs
                + " warm clicks per side, through Vite");
        List<List<Long>> cold = List.of(new ArrayList<>(), new ArrayList<>());
        List<List<Long>> warm = List.of(new ArrayList<>(), new ArrayList<>());
        try {
            for (int r = 0; r < runs; r++) {
                for (int j = 0; j < sides.size(); j++) {
                    int s = (r + j) % sides.size();
                    cold.get(s).add(sides.get(s).coldClick(r == runs - 1));
                }
            }
            for (int r = 0; r < 3 * runs; r++) {
                for (int s = 0; s < sides.size(); s++) {
                    warm.get(s).add(sides.get(s).click());
                }
            }
        } finally {
            sides.forEach(Side::close);
            StartBench.deleteTree(work);
        }
        report(Stats.of(cold.get(0)), stats(cold.get(1)), Stats.of(warm.get(0)), stats(warm.get(1)));
    }

    private void report(Stats cold, Stats originalCold, Stats warm, Stats originalWarm) {
        double oc = originalCold == null ? Double.NaN : originalCold.p50Ms();
        double ow = originalWarm == null ? Double.NaN : originalWarm.p50Ms();
        ctx.table.add(new Row("click", "Cold click: `/__start_voice`, dev server up, no broker → answered ready (median of " + cold.count() + ")",
                cold.p50Ms(), Double.NaN, "—", oc, "≤ 0.5 × original", Table.atMostTimes(cold.p50Ms(), oc, 0.5), "ms"));
        ctx.table.add(new Row("click", "Warm click: `/__start_voice` while it runs (median of " + warm.count() + ")",
                warm.p50Ms(), Double.NaN, "—", ow, "≤ 1.5 × original", Table.atMostTimes(warm.p50Ms(), ow, 1.5), "ms"));
        ctx.table.note(String.format(java.util.Locale.ROOT, "clicks, min–max: cold %.0f–%.0f ms, warm %.1f–%.1f ms%s",
                cold.min() / 1e6, cold.max() / 1e6, warm.min() / 1e6, warm.max() / 1e6, originalCold == null ? ""
                        : String.format(java.util.Locale.ROOT, "; original cold %.0f–%.0f ms, warm %.1f–%.1f ms",
                        originalCold.min() / 1e6, originalCold.max() / 1e6, originalWarm.min() / 1e6, originalWarm.max() / 1e6)));
    }

    private static Stats stats(List<Long> samples) {
        return samples.isEmpty() ? null : Stats.of(samples);
    }

    /** The dev server's environment for voice-broker: the key and base reach the broker from here, never the page. */
    private Map<String, String> ourEnv(Path work, int brokerPort) throws IOException {
        Map<String, String> env = ctx.brokerEnv(brokerPort);
        env.put("VOICE_RUNTIME_DIR", work.resolve("runtime").toString());
        env.put("JAVA_HOME", ctx.options.java.toRealPath().getParent().getParent().toString());
        env.put("VOICE_JAVA", ctx.options.java.toString());
        return env;
    }

    private Map<String, String> originalEnv(int sidecarPort) {
        Original original = ctx.original.orElseThrow();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("BENCH_BUN", original.bun.toString());
        env.put("BENCH_ORIGINAL_DIR", original.checkout.toString());
        env.put("BENCH_ORIGINAL_PORT", Integer.toString(sidecarPort));
        env.put("BENCH_CLICK_TOKEN", CLICK_TOKEN);
        return env;
    }

    /** What the example dashboard sends: a same-origin JSON POST with an empty body. */
    static byte[] ourClick(DevServer server) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Origin", server.origin());
        headers.put("Sec-Fetch-Site", "same-origin");
        headers.put("Content-Type", "application/json");
        return Http1.request("POST", "/__start_voice", server.host(), headers, "{}".getBytes(StandardCharsets.UTF_8));
    }

    /** What the original's page sends: its launcher token header, and the key and base it keeps. */
    private byte[] originalClick(DevServer server) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Origin", server.origin());
        headers.put("Content-Type", "application/json");
        headers.put("x-claude-os-token", CLICK_TOKEN);
        String body = "{\"key\":\"" + FakeOpenAi.DEFAULT_KEY + "\",\"base\":\"" + ctx.fake.rootUrl() + "\"}";
        return Http1.request("POST", "/__start_voice", server.host(), headers, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Stops the broker a click started, found by the pid in its runtime file (never by name), and waits for its exit. */
    private static void stopBroker(Path work, int port) {
        Path runtimeFile = work.resolve("runtime").resolve("broker-" + port + ".json");
        try {
            long pid = BenchContext.JSON.readTree(Files.readString(runtimeFile)).path("pid").asLong(-1);
            ProcessHandle.of(pid).ifPresent(StartBench::stop);
            Files.deleteIfExists(runtimeFile);
        } catch (IOException e) {
            throw new UncheckedIOException("no runtime file after a click: " + runtimeFile, e);
        }
    }

    /** Stops the Bun child of the original's dev server. */
    private static void stopBun(DevServer server) {
        server.process.descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("bun")).orElse(false))
                .forEach(StartBench::stop);
    }

    /** Starts a dev server (it may throw). */
    private interface ServerFactory {
        DevServer start() throws IOException;
    }

    /**
     * One side of the comparison: how to start its dev server, its click, and how to stop what a click started.
     * A cold click gets a dev server of its own, started and settled first (the target's "dev server already up",
     * whatever that server starts in the background); a warm click reuses the last one.
     */
    private static final class Side implements AutoCloseable {
        final ServerFactory factory;
        final java.util.function.Function<DevServer, byte[]> request;
        final java.util.function.Consumer<DevServer> stop;
        final Predicate<JsonNode> ok;
        private DevServer server;
        private Http1 connection;

        Side(ServerFactory factory, java.util.function.Function<DevServer, byte[]> request,
             java.util.function.Consumer<DevServer> stop, Predicate<JsonNode> ok) {
            this.factory = factory;
            this.request = request;
            this.stop = stop;
            this.ok = ok;
        }

        /** A click on a fresh, settled dev server with nothing running; {@code keep}: leave it running for warm clicks. */
        long coldClick(boolean keep) throws IOException {
            server = factory.start();
            server.awaitSettled();
            long took = click();
            if (!keep) {
                close();
            }
            return took;
        }

        /** One click on a kept-alive connection, as a page's; answers its time and insists it said ready. */
        long click() throws IOException {
            if (connection == null) {
                connection = new Http1("127.0.0.1", server.port);
            }
            byte[] bytes = request.apply(server);
            long start = System.nanoTime();
            Http1.Response response = connection.exchange(bytes);
            long took = System.nanoTime() - start;
            JsonNode body = BenchContext.JSON.readTree(response.body());
            if (response.status() != 200 || !ok.test(body)) {
                throw new IllegalStateException("a click answered " + response.status() + " " + response.text()
                        + "\nVite said: " + server.output());
            }
            return took;
        }

        @Override
        public void close() {
            if (connection != null) {
                connection.close();
                connection = null;
            }
            if (server != null) {
                stop.accept(server);
                server.close();
                server = null;
            }
        }
    }

    /** A Vite dev server in the example dashboard's folder, with a chosen environment and optionally another config. */
    static final class DevServer implements AutoCloseable {
        final Process process;
        final int port;
        final Path log;

        private DevServer(Process process, int port, Path log) {
            this.process = process;
            this.port = port;
            this.log = log;
        }

        static DevServer start(Path vite, Path work, Map<String, String> env, Path config) throws IOException {
            int port = BrokerProcess.freePort();
            List<String> command = new ArrayList<>(List.of(vite.toString(), "--port", Integer.toString(port), "--strictPort",
                    "--host", "127.0.0.1"));
            Optional.ofNullable(config).ifPresent(c -> command.addAll(List.of("--config", c.toString())));
            Path log = work.resolve("vite-" + port + ".log");
            ProcessBuilder builder = new ProcessBuilder(command).directory(vite.getParent().getParent().getParent().toFile())
                    .redirectErrorStream(true).redirectOutput(Redirect.to(log.toFile()));
            StartBench.cleanEnvironment(builder.environment()).putAll(env);
            DevServer server = new DevServer(builder.start(), port, log);
            server.awaitListening();
            return server;
        }

        String origin() {
            return "http://127.0.0.1:" + port;
        }

        String host() {
            return "127.0.0.1:" + port;
        }

        String output() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "(no output)";
            }
        }

        /**
         * Waits until the dev server and everything it started use no CPU for a while: it has finished starting,
         * including anything it readies in the background, so the click that follows is timed alone.
         */
        void awaitSettled() {
            long deadline = System.nanoTime() + 90_000_000_000L;
            long last = treeCpuMillis();
            int quiet = 0;
            while (quiet < 5 && System.nanoTime() < deadline) {
                BenchContext.sleep(100);
                long now = treeCpuMillis();
                quiet = now - last <= 10 ? quiet + 1 : 0;
                last = now;
            }
        }

        private long treeCpuMillis() {
            long total = Math.max(0, BenchContext.cpuMillis(process.pid()));
            for (ProcessHandle child : process.descendants().toList()) {
                total += Math.max(0, BenchContext.cpuMillis(child.pid()));
            }
            return total;
        }

        private void awaitListening() {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("vite exited " + process.exitValue() + ": " + output());
                }
                try (Socket socket = new Socket("127.0.0.1", port)) {
                    return;
                } catch (IOException notYet) {
                    BenchContext.sleep(50);
                }
            }
            throw new IllegalStateException("vite did not listen within 60 s: " + output());
        }

        @Override
        public void close() {
            process.descendants().forEach(StartBench::stop);
            StartBench.stop(process.toHandle());
        }
    }
}
