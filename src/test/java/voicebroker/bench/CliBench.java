package voicebroker.bench;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import voicebroker.bench.Table.Row;
import voicebroker.testkit.BrokerProcess;

/**
 * The shell commands a user types while a broker runs: {@code voice status}, {@code voice mint} and
 * {@code voice stop}, each timed from spawning the {@code voice} script to its exit, against a broker that
 * {@code voice start} (untimed) left running. The original has no such commands.
 */
final class CliBench {
    private static final List<String> COMMANDS = List.of("status", "mint", "stop");
    private final BenchContext ctx;

    CliBench(BenchContext ctx) {
        this.ctx = ctx;
    }

    void run() throws Exception {
        Path voice = ctx.options.root.resolve("voice");
        int runs = ctx.options.clickRuns();
        ctx.progress("cli: " + runs + " runs of voice " + String.join(", ", COMMANDS));
        // The archive first, as the other sections do: without it the voice script runs without one, and the first
        // 'voice start' would make one in the background, in the middle of the timed commands.
        ctx.archiveOptions();
        Path work = StartBench.privateTempDir("bench-cli");
        int port = BrokerProcess.freePort();
        Map<String, List<Long>> times = new java.util.LinkedHashMap<>();
        COMMANDS.forEach(c -> times.put(c, new ArrayList<>()));
        try {
            for (int r = 0; r < runs; r++) {
                run(voice, work, port, "start");
                for (String command : COMMANDS) {
                    times.get(command).add(run(voice, work, port, command));
                }
            }
        } finally {
            run(voice, work, port, "stop");
            StartBench.deleteTree(work);
        }
        for (String command : COMMANDS) {
            Stats s = Stats.of(times.get(command));
            ctx.table.add(new Row("cli", "`voice " + command + "`, spawn to exit (median of " + s.count() + ")", s.p50Ms(),
                    Double.NaN, "—", "≤ 300 ms", Table.atMost(s.p50Ms(), 300), "ms"));
        }
    }

    /** Runs {@code voice <command>} with the benchmark's broker environment; answers its wall time, insisting on exit 0. */
    private long run(Path voice, Path work, int port, String command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(voice.toString(), command).directory(work.toFile())
                .redirectOutput(Redirect.DISCARD).redirectError(work.resolve("cli.err").toFile());
        Map<String, String> env = StartBench.cleanEnvironment(builder.environment());
        env.putAll(ctx.brokerEnv(port));
        env.put("VOICE_RUNTIME_DIR", work.resolve("runtime").toString());
        env.put("JAVA_HOME", ctx.options.java.toRealPath().getParent().getParent().toString());
        long start = System.nanoTime();
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("voice " + command + " did not finish in 120 s");
        }
        long took = System.nanoTime() - start;
        if (process.exitValue() != 0 && !command.equals("stop")) {
            throw new IllegalStateException("voice " + command + " exited " + process.exitValue() + ": "
                    + java.nio.file.Files.readString(work.resolve("cli.err")));
        }
        return took;
    }
}
