package voicebroker.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.net.ConnectException;
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
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import voicebroker.bench.Table.Met;
import voicebroker.bench.Table.Row;
import voicebroker.testkit.BrokerProcess;

/**
 * Start-up figures. Every run is a fresh process (cold JVM; the OS page cache is warm, as it is for a user who
 * starts the broker twice). Start-to-healthy is timed from just before the process is spawned to the first 200
 * on {@code /api/health}, polling the port every 2 ms (a refused connection costs microseconds on loopback).
 * The reference is the JVM's floor measured in the same runs: a hello-world JDK {@code HttpServer}
 * ({@link HelloServer}) with the broker's flags and a start-up archive of its own, made the same way. The
 * original (Bun) is timed the same way. Variants are interleaved run by run so the machine's noise lands on all.
 */
final class StartBench {
    private static final long POLL_NANOS = 2_000_000;
    private static final long TIMEOUT_NANOS = 30_000_000_000L;
    private final BenchContext ctx;

    StartBench(BenchContext ctx) {
        this.ctx = ctx;
    }

    void startToHealthy() throws Exception {
        List<String> archive = ctx.archiveOptions();
        int runs = ctx.options.startRuns();
        Path work = privateTempDir("bench-start");
        try {
            List<String> hello = helloCommand(work);
            ctx.progress("start: " + runs + " cold starts per variant (hello-world JDK server, broker without and with"
                    + " archive" + (ctx.original.isPresent() ? ", original" : "") + ")");
            List<Long> floor = new ArrayList<>();
            List<Long> plain = new ArrayList<>();
            List<Long> archived = new ArrayList<>();
            List<Long> original = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                for (int k = 0; k < 4; k++) {
                    switch ((r + k) % 4) {
                        case 0 -> floor.add(helloToHealthy(hello, work));
                        case 1 -> plain.add(brokerToHealthy(false, work));
                        case 2 -> {
                            if (!archive.isEmpty()) {
                                archived.add(brokerToHealthy(true, work));
                            }
                        }
                        default -> ctx.original.ifPresent(o -> original.add(originalToHealthy(o, work)));
                    }
                }
            }
            report(Stats.of(floor), Stats.of(plain), Stats.of(archived), original.isEmpty() ? null : Stats.of(original));
        } finally {
            deleteTree(work);
        }
    }

    private void report(Stats f, Stats p, Stats a, Stats o) {
        double originalMs = o == null ? Double.NaN : o.p50Ms();
        ctx.table.add(new Row("start", "Start to healthy, no archive (median of " + p.count() + ")", p.p50Ms(), f.p50Ms(),
                Table.ratio(p.p50Ms(), f.p50Ms()), originalMs, "—", Met.NONE, "ms"));
        ctx.table.add(new Row("start", "Start to healthy, with archive (median of " + a.count() + ")", a.p50Ms(), f.p50Ms(),
                Table.ratio(a.p50Ms(), f.p50Ms()), originalMs, "≤ 1.3 × hello-world JDK server", Table.atMost(a.p50Ms() / f.p50Ms(), 1.3), "ms"));
        ctx.table.note(String.format(java.util.Locale.ROOT, "start to healthy, min–max: no archive %.0f–%.0f ms, archive %.0f–%.0f ms,"
                        + " hello-world %.0f–%.0f ms%s; reference = a hello-world JDK HttpServer (one context, default executor)"
                        + " with the broker's flags and its own start-up archive",
                p.min() / 1e6, p.max() / 1e6, a.min() / 1e6, a.max() / 1e6, f.min() / 1e6, f.max() / 1e6,
                o == null ? "" : String.format(java.util.Locale.ROOT, ", original %.0f–%.0f ms", o.min() / 1e6, o.max() / 1e6)));
        ctx.table.note(ctx.archiveNote());
    }

    private long brokerToHealthy(boolean withArchive, Path work) throws IOException {
        int port = BrokerProcess.freePort();
        List<String> command = new ArrayList<>(ctx.brokerCommand(withArchive));
        command.add("serve");
        Map<String, String> env = ctx.brokerEnv(port);
        env.put("VOICE_RUNTIME_DIR", work.resolve("runtime").toString());
        return spawnToHealthy(command, env, port, work);
    }

    private long helloToHealthy(List<String> hello, Path work) throws IOException {
        int port = BrokerProcess.freePort();
        List<String> command = new ArrayList<>(hello);
        command.add(Integer.toString(port));
        return spawnToHealthy(command, Map.of(), port, work);
    }

    private long originalToHealthy(Original original, Path work) {
        int port = BrokerProcess.freePort();
        try {
            return spawnToHealthy(original.command(), original.env(ctx.fake, port), port, original.checkout);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * {@code java <broker flags> <archive> -jar hello-server.jar}: packs {@link HelloServer} alone into a jar and
     * makes its dynamic start-up archive by a training run (start, one health check, exit), as the broker's is made.
     */
    private List<String> helloCommand(Path work) throws IOException, InterruptedException {
        Path jar = work.resolve("hello-server.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, HelloServer.class.getName());
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest);
             InputStream classFile = HelloServer.class.getResourceAsStream("HelloServer.class")) {
            out.putNextEntry(new JarEntry(HelloServer.class.getName().replace('.', '/') + ".class"));
            classFile.transferTo(out);
            out.closeEntry();
        }
        Path archive = work.resolve("hello-server.jsa");
        List<String> base = new ArrayList<>();
        base.add(ctx.options.java.toString());
        base.addAll(ctx.jvmFlags());
        List<String> training = new ArrayList<>(base);
        training.addAll(List.of("-XX:ArchiveClassesAtExit=" + archive, "-jar", jar.toString()));
        int port = BrokerProcess.freePort();
        training.addAll(List.of(Integer.toString(port), "--once"));
        Process process = new ProcessBuilder(training).directory(work.toFile()).redirectOutput(Redirect.DISCARD)
                .redirectError(Redirect.DISCARD).start();
        awaitHealthy(process, port, training);
        process.waitFor(30, TimeUnit.SECONDS);
        List<String> command = new ArrayList<>(base);
        if (Files.isRegularFile(archive)) {
            command.addAll(List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto"));
        } else {
            ctx.table.note("the hello-world reference ran without a start-up archive: its training run made none");
        }
        command.addAll(List.of("-jar", jar.toString()));
        return command;
    }

    /** Spawns the command with exactly this environment (plus PATH, HOME) and answers the time to its first healthy 200. */
    static long spawnToHealthy(List<String> command, Map<String, String> extraEnv, int port, Path dir) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD);
        cleanEnvironment(builder.environment()).putAll(extraEnv);
        long start = System.nanoTime();
        Process process = builder.start();
        try {
            awaitHealthy(process, port, command);
            return System.nanoTime() - start;
        } finally {
            stop(process.toHandle());
        }
    }

    private static void awaitHealthy(Process process, int port, List<String> command) {
        byte[] health = Http1.request("GET", "/api/health", "127.0.0.1:" + port, Map.of(), new byte[0]);
        long start = System.nanoTime();
        while (true) {
            try (Http1 connection = new Http1("127.0.0.1", port)) {
                if (connection.exchange(health).status() == 200) {
                    return;
                }
            } catch (ConnectException notYet) {
                // nothing listens yet
            } catch (IOException other) {
                // bound but not serving yet, or reset: try again
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("exited with " + process.exitValue() + " before it was healthy: " + command);
            }
            if (System.nanoTime() - start > TIMEOUT_NANOS) {
                throw new IllegalStateException("not healthy within 30 s: " + command);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
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
