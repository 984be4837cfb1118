package voicebroker.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The harness's command line. Every count has a full value and a {@code --quick} value (a few seconds in all). */
final class BenchOptions {
    static final List<String> SECTIONS = List.of("mint", "start", "click", "cli", "rss", "conns", "tts", "ttt");

    boolean quick;
    Path root = Path.of(System.getProperty("voicebroker.root", ".")).toAbsolutePath().normalize();
    Path jar;
    Path java;
    Path brokerArgs;
    boolean noBrokerArgs;
    final List<String> extraJvm = new ArrayList<>();
    Set<String> only = new LinkedHashSet<>(SECTIONS);
    Integer runs;
    Integer rssMints;
    Integer seqMints;
    Integer concurrentRounds;
    int concurrency = 32;
    long ttsBytes = 10L * 1000 * 1000;
    Long upstreamLatencyMs;
    Path out;
    boolean quiet;
    /** A checkout of the original project (the Bun sidecar voice-broker replaces), for the comparison column. */
    Path original;
    Path bun;

    static BenchOptions parse(String... args) {
        BenchOptions o = new BenchOptions();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            switch (name) {
                case "--quick" -> o.quick = true;
                case "--quiet", "-q" -> o.quiet = true;
                case "--verbose", "-v" -> o.quiet = false;
                case "--no-broker-args" -> o.noBrokerArgs = true;
                case "--help", "-h" -> throw new UsageException("");
                default -> {
                    if (i + 1 >= args.length) {
                        throw new UsageException("missing value after " + name);
                    }
                    o.set(name, args[++i]);
                }
            }
        }
        o.finish();
        return o;
    }

    private void set(String name, String value) {
        switch (name) {
            case "--root" -> root = Path.of(value).toAbsolutePath().normalize();
            case "--jar" -> jar = Path.of(value).toAbsolutePath();
            case "--java" -> java = Path.of(value).toAbsolutePath();
            case "--broker-args" -> brokerArgs = Path.of(value).toAbsolutePath();
            case "--jvm-opt" -> extraJvm.add(value);
            case "--only" -> {
                only = new LinkedHashSet<>();
                for (String section : value.split(",")) {
                    String s = section.strip();
                    if (!SECTIONS.contains(s)) {
                        throw new UsageException("unknown section '" + s + "'; sections: " + String.join(",", SECTIONS));
                    }
                    only.add(s);
                }
            }
            case "--runs" -> runs = positive(name, value);
            case "--rss-mints" -> rssMints = positive(name, value);
            case "--seq-mints" -> seqMints = positive(name, value);
            case "--rounds" -> concurrentRounds = positive(name, value);
            case "--concurrency" -> concurrency = positive(name, value);
            case "--tts-bytes" -> ttsBytes = positive(name, value);
            case "--latency-ms" -> upstreamLatencyMs = (long) positive(name, value);
            case "--out" -> out = Path.of(value).toAbsolutePath();
            case "--original" -> original = Path.of(value).toAbsolutePath().normalize();
            case "--bun" -> bun = Path.of(value).toAbsolutePath();
            default -> throw new UsageException("unknown option " + name);
        }
    }

    private void finish() {
        if (jar == null) {
            String property = System.getProperty("voicebroker.jar");
            jar = property != null ? Path.of(property).toAbsolutePath() : root.resolve("target/voice-broker.jar");
        }
        if (java == null) {
            java = defaultJava();
        }
        if (brokerArgs == null && !noBrokerArgs) {
            Path standard = root.resolve("jvm/broker.args");
            brokerArgs = Files.isRegularFile(standard) ? standard : null;
        }
        if (!Files.isRegularFile(jar)) {
            throw new UsageException("no broker jar at " + jar + " (build it: mvn -B -DskipTests package)");
        }
        if (!Files.isExecutable(java)) {
            throw new UsageException("no java at " + java);
        }
        if (original != null && bun == null) {
            throw new UsageException("--original needs --bun PATH (bench/run installs Bun from npm and passes it)");
        }
    }

    /** JAVA_HOME's java, else the first java on PATH, else the java running the harness. */
    static Path defaultJava() {
        String home = System.getenv("JAVA_HOME");
        if (home != null && !home.isBlank() && Files.isExecutable(Path.of(home, "bin", "java"))) {
            return Path.of(home, "bin", "java");
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "java"))) {
                    return Path.of(dir, "java");
                }
            }
        }
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    private static int positive(String name, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException(name + " needs a positive number, got '" + value + "'");
    }

    boolean runs(String section) {
        return only.contains(section);
    }

    int startRuns() {
        return runs != null ? runs : quick ? 2 : 15;
    }

    int clickRuns() {
        return runs != null ? runs : quick ? 1 : 10;
    }

    int seqMints() {
        return seqMints != null ? seqMints : quick ? 300 : 5000;
    }

    int warmupMints() {
        return quick ? 300 : 3000;
    }

    int concurrentPerThread() {
        return quick ? 10 : 120;
    }

    int concurrentRounds() {
        return concurrentRounds != null ? concurrentRounds : quick ? 1 : 4;
    }

    int rssMints() {
        return rssMints != null ? rssMints : quick ? 500 : 10_000;
    }

    int ttsRuns() {
        return quick ? 2 : 10;
    }

    /** Short speech streams each way before the figures, as many as the mint figures' warm-up mints. */
    int warmupStreams() {
        return quick ? 30 : 3000;
    }

    /** The slow upstream of the time-to-token figures: 300 ms (100 ms in quick mode, to stay quick). */
    long upstreamLatencyMs() {
        return upstreamLatencyMs != null ? upstreamLatencyMs : quick ? 100 : 300;
    }

    int tokenRuns() {
        return quick ? 2 : 8;
    }

    static String usage() {
        return """
                usage: bench/run [--quick] [--original CHECKOUT] [--java PATH] [--runs N] [--only SECTIONS] [options]
                  --quick              about a minute: few runs, small counts (what CI's smoke test runs)
                  --original DIR       a checkout of mg4costcorp-sys/Agentic-OS: adds the original's column (Bun from
                                       npm, installed by bench/run under target/bench-tools; --bun PATH to choose)
                  --java PATH          the java that runs the broker (default: $JAVA_HOME/bin/java, else java on PATH)
                  --runs N             cold starts (and click-to-ready runs) per variant (default 15 / 10)
                  --only LIST          comma-separated sections: mint,start,click,cli,rss,conns,tts,ttt (default all)
                  --seq-mints N        sequential mints per side (default 5000)
                  --rounds N           32-client rounds per side (default 4, each 32 x 120 mints)
                  --concurrency N      client threads for the concurrent mint figure (default 32)
                  --rss-mints N        mints before the second RSS reading (default 10000)
                  --tts-bytes N        size of the text-to-speech stream (default 10000000)
                  --latency-ms N       upstream latency for time-to-token (default 300)
                  --broker-args FILE   JVM options file (default jvm/broker.args); --no-broker-args for none
                  --jvm-opt OPT        an extra JVM option for the broker (repeatable), e.g. for flag experiments
                  --jar PATH           the broker jar (default target/voice-broker.jar)
                  --root DIR           the repository (default: the current directory)
                  --out FILE           also write the table there
                  --quiet              no progress lines on standard error""";
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
