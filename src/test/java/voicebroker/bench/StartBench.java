package voicebroker.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ProcessBuilder.Redirect;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import voicebroker.bench.Table.Met;
import voicebroker.bench.Table.Row;
import voicebroker.testkit.BrokerProcess;

/**
 * Start-up figures. Every run is a fresh process (cold JVM; the OS page cache is warm, as it is for a user who
 * starts the broker twice). Start-to-healthy is timed from just before the process is spawned to the first 200
 * on {@code /api/health}, polling the port every 2 ms (a refused connection costs microseconds on loopback).
 * The reference is the JVM's own floor measured in the same runs: {@code java -version} with the same flags,
 * spawn to exit. Variants are interleaved run by run so the machine's noise lands on all of them.
 */
final class StartBench {
    private static final long POLL_NANOS = 2_000_000;
    private static final long TIMEOUT_NANOS = 30_000_000_000L;
    private final BenchContext ctx;

    StartBench(BenchContext ctx) {
        this.ctx = ctx;
    }

    // ---- 2. start to healthy ---------------------------------------------------------------------------------

    void startToHealthy() throws Exception {
        List<String> archive = ctx.archiveOptions();
        int runs = ctx.options.startRuns();
        ctx.progress("start: " + runs + " cold starts per variant (JVM floor, no archive, archive)");
        List<Long> floor = new ArrayList<>();
        List<Long> plain = new ArrayList<>();
        List<Long> archived = new ArrayList<>();
        Path work = privateTempDir("bench-start");
        try {
            for (int r = 0; r < runs; r++) {
                for (int k = 0; k < 3; k++) {
                    switch ((r + k) % 3) {
                        case 0 -> floor.add(jvmFloor(work));
                        case 1 -> plain.add(spawnToHealthy(ctx.brokerCommand(false), work));
                        default -> {
                            if (!archive.isEmpty()) {
                                archived.add(spawnToHealthy(ctx.brokerCommand(true), work));
                            }
                        }
                    }
                }
            }
        } finally {
            deleteTree(work);
        }
        Stats f = Stats.of(floor);
        Stats p = Stats.of(plain);
        Stats a = Stats.of(archived);
        ctx.table.add(new Row("start", "Start to healthy, no archive (median of " + p.count() + ")", p.p50Ms(), f.p50Ms(),
                Table.ratio(p.p50Ms(), f.p50Ms()), "—", Met.NONE, "ms"));
        ctx.table.add(new Row("start", "Start to healthy, with archive (median of " + a.count() + ")", a.p50Ms(), f.p50Ms(),
                Table.ratio(a.p50Ms(), f.p50Ms()), "≤ 120 ms", Table.atMost(a.p50Ms(), 120), "ms"));
        ctx.table.note(String.format(java.util.Locale.ROOT, "start to healthy, min–max: no archive %.0f–%.0f ms, archive %.0f–%.0f ms;"
                        + " reference = `java -version` with the broker's flags, spawn to exit (median %.0f ms)",
                p.min() / 1e6, p.max() / 1e6, a.min() / 1e6, a.max() / 1e6, f.p50Ms()));
        ctx.table.note(ctx.archiveNote());
    }

    /** The JVM's floor with the broker's flags: spawn {@code java -version} and wait for it to exit. */
    private long jvmFloor(Path work) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ctx.options.java.toString());
        command.addAll(ctx.jvmFlags());
        command.add("-version");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD);
        long start = System.nanoTime();
        Process process = builder.start();
        process.waitFor();
        return System.nanoTime() - start;
    }

    /** Spawns {@code <command> serve} and answers the time until {@code /api/health} first answers 200. */
    private long spawnToHealthy(List<String> command, Path work) throws IOException, InterruptedException {
        int port = BrokerProcess.freePort();
        List<String> full = new ArrayList<>(command);
        full.add("serve");
        ProcessBuilder builder = new ProcessBuilder(full).directory(work.toFile())
                .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD);
        Map<String, String> env = cleanEnvironment(builder.environment());
        env.putAll(ctx.brokerEnv(port));
        env.put("VOICE_RUNTIME_DIR", work.resolve("runtime").toString());
        byte[] health = Http1.request("GET", "/api/health", "127.0.0.1:" + port, Map.of(), new byte[0]);
        long start = System.nanoTime();
        Process process = builder.start();
        try {
            while (true) {
                try (Http1 connection = new Http1("127.0.0.1", port)) {
                    if (connection.exchange(health).status() == 200) {
                        return System.nanoTime() - start;
                    }
                } catch (ConnectException notYet) {
                    // nothing listens yet
                } catch (IOException other) {
                    // bound but not serving yet, or reset: try again
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException("the broker exited with " + process.exitValue() + " before it was healthy: " + full);
                }
                if (System.nanoTime() - start > TIMEOUT_NANOS) {
                    throw new IllegalStateException("the broker was not healthy within 30 s: " + full);
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
        } finally {
            stop(process.toHandle());
        }
    }

    // ---- 3. click-to-ready -----------------------------------------------------------------------------------

    /**
     * From spawning the launcher the dashboard's {@code /__start_voice} runs ({@code voice start --json
     * --with-token}, through the {@code voice} script) to the first 200 on a mint with the token it printed. When
     * this build has no {@code start} command, {@code voice serve} stands in: spawn to readiness line, token from
     * the runtime file, first mint.
     */
    void clickToReady() throws Exception {
        ctx.archiveOptions();
        boolean hasStart = helpText().contains("start");
        List<String> prefix = launcherPrefix();
        String how = (prefix.get(0).endsWith("voice") ? "`voice " : "`java -jar voice-broker.jar ")
                + (hasStart ? "start --json --with-token`" : "serve`") + " → first mint";
        int runs = ctx.options.clickRuns();
        ctx.progress("click-to-ready: " + runs + " runs of " + how);
        List<Long> clicks = new ArrayList<>();
        List<Long> launcherExits = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            Path work = privateTempDir("bench-click");
            try {
                if (hasStart) {
                    long[] times = clickViaStart(prefix, work);
                    clicks.add(times[0]);
                    launcherExits.add(times[1]);
                } else {
                    clicks.add(clickViaServe(prefix, work));
                }
            } finally {
                deleteTree(work);
            }
        }
        Stats c = Stats.of(clicks);
        ctx.table.add(new Row("click", "Click-to-ready: " + how + " (median of " + c.count() + ")", c.p50Ms(), Double.NaN,
                "—", "≤ 150 ms", Table.atMost(c.p50Ms(), 150), "ms"));
        if (!launcherExits.isEmpty()) {
            Stats l = Stats.of(launcherExits);
            ctx.table.note(String.format(java.util.Locale.ROOT, "click-to-ready: the launcher itself exited after %.0f ms (median),"
                    + " the mint took the rest; min–max %.0f–%.0f ms", l.p50Ms(), c.min() / 1e6, c.max() / 1e6));
        }
        if (!prefix.get(0).endsWith("voice")) {
            ctx.table.note("click-to-ready ran the jar directly: the `voice` script would have rebuilt the jar (sources newer than it)");
        }
    }

    /** {@code <root>/voice} when it exists and would not rebuild; else the java command the script would exec. */
    private List<String> launcherPrefix() throws IOException {
        Path script = ctx.options.root.resolve("voice");
        Path defaultJar = ctx.options.root.resolve("target/voice-broker.jar").toAbsolutePath();
        if (Files.isExecutable(script) && defaultJar.equals(ctx.options.jar) && !sourcesNewerThanJar()) {
            return List.of(script.toString());
        }
        List<String> command = new ArrayList<>(ctx.brokerCommand(true));
        return command;
    }

    private boolean sourcesNewerThanJar() throws IOException {
        long jarTime = Files.getLastModifiedTime(ctx.options.jar).toMillis();
        List<Path> roots = List.of(ctx.options.root.resolve("src/main"), ctx.options.root.resolve("pom.xml"));
        for (Path root : roots) {
            if (!Files.exists(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                if (files.anyMatch(f -> {
                    try {
                        return Files.getLastModifiedTime(f).toMillis() > jarTime;
                    } catch (IOException e) {
                        return false;
                    }
                })) {
                    return true;
                }
            }
        }
        return false;
    }

    private String helpText() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(ctx.brokerCommand(false));
        command.add("help");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        return text;
    }

    /** Answers {click-to-mint, launcher-exit} in ns. */
    private long[] clickViaStart(List<String> prefix, Path work) throws IOException, InterruptedException {
        int port = BrokerProcess.freePort();
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of("start", "--json", "--with-token"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectError(Redirect.DISCARD);
        Map<String, String> env = launcherEnvironment(builder, port, work);
        long start = System.nanoTime();
        Process launcher = builder.start();
        launcher.getOutputStream().close();
        String out = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        launcher.waitFor(60, TimeUnit.SECONDS);
        long launcherExit = System.nanoTime() - start;
        String last = lastLine(out);
        JsonNode answer;
        try {
            answer = BenchContext.JSON.readTree(last);
        } catch (IOException e) {
            throw new IllegalStateException("voice start printed no JSON (exit " + launcher.exitValue() + "): " + out
                    + " env port " + env.get("VOICE_PORT"));
        }
        long pid = answer.path("pid").asLong(-1);
        try {
            String token = answer.path("token").asText("");
            mintOnce(port, token);
            return new long[] {System.nanoTime() - start, launcherExit};
        } finally {
            if (pid > 0) {
                ProcessHandle.of(pid).ifPresent(StartBench::stop);
            }
        }
    }

    private long clickViaServe(List<String> prefix, Path work) throws IOException, InterruptedException {
        int port = BrokerProcess.freePort();
        List<String> command = new ArrayList<>(prefix);
        command.add("serve");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectError(Redirect.DISCARD);
        launcherEnvironment(builder, port, work);
        long start = System.nanoTime();
        Process process = builder.start();
        try {
            InputStream out = process.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b = out.read(); b >= 0; b = out.read()) {
                if (b == '\n') {
                    if (line.toString().startsWith("voice-broker ready url=")) {
                        break;
                    }
                    line.setLength(0);
                } else {
                    line.append((char) b);
                }
            }
            String token = BenchContext.readToken(work.resolve("runtime").resolve("broker-" + port + ".json"));
            mintOnce(port, token);
            return System.nanoTime() - start;
        } finally {
            stop(process.toHandle());
        }
    }

    private Map<String, String> launcherEnvironment(ProcessBuilder builder, int port, Path work) throws IOException {
        Map<String, String> env = cleanEnvironment(builder.environment());
        env.putAll(ctx.brokerEnv(port));
        env.put("VOICE_RUNTIME_DIR", work.resolve("runtime").toString());
        Path javaHome = ctx.options.java.toRealPath().getParent().getParent();
        env.put("JAVA_HOME", javaHome.toString());
        env.put("VOICE_JAVA", ctx.options.java.toString());
        return env;
    }

    private static void mintOnce(int port, String token) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Origin", BenchContext.ORIGIN);
        headers.put("Authorization", "Bearer " + token);
        headers.put("Content-Type", "application/json");
        byte[] mint = Http1.request("POST", "/api/session", "127.0.0.1:" + port, headers,
                BenchContext.MINT_BODY.getBytes(StandardCharsets.UTF_8));
        try (Http1 connection = new Http1("127.0.0.1", port)) {
            BenchContext.expect(connection, mint, 200);
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** Keeps PATH, HOME, LANG and LC_ALL only, as BrokerProcess does, so the caller's own settings do not leak in. */
    static Map<String, String> cleanEnvironment(Map<String, String> env) {
        Map<String, String> kept = new LinkedHashMap<>();
        for (String name : List.of("PATH", "HOME", "LANG", "LC_ALL")) {
            Optional.ofNullable(System.getenv(name)).ifPresent(value -> kept.put(name, value));
        }
        env.clear();
        env.putAll(kept);
        return env;
    }

    /** SIGTERM, then SIGKILL after 10 s; waits for the exit so the next run has the machine to itself. */
    static void stop(ProcessHandle process) {
        process.destroy();
        try {
            process.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            try {
                process.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // give up: it is killed
            }
        }
    }

    static Path privateTempDir(String prefix) throws IOException {
        return Files.createTempDirectory(prefix, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // leftover temp files are harmless
        }
    }
}
