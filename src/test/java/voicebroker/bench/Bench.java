package voicebroker.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import voicebroker.testkit.FakeOpenAi;

/**
 * The performance harness (docs/BENCHMARKS.md): starts its own fake OpenAI upstream, brokers and load clients,
 * and prints one Markdown table of figures, each next to a reference measured in the same run. Run it with
 * {@code bench/run [--quick] [--java PATH] [--only mint,start,...]}; {@code BenchmarkSmokeIT} runs the quick
 * mode. Not a test: it checks nothing but that each figure could be measured.
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (BenchOptions.UsageException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println("bench: " + e.getMessage());
            }
            System.err.println(BenchOptions.usage());
            System.exit(e.getMessage().isEmpty() ? 0 : 2);
            return;
        }
        try {
            Table table = run(options, options.quiet ? null : System.err);
            String report = report(options, table);
            System.out.print(report);
            System.out.flush();
            if (options.out != null) {
                Files.writeString(options.out, report, StandardCharsets.UTF_8);
            }
            System.exit(0);
        } catch (Exception e) {
            System.err.println("bench: failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** Runs the selected sections and answers the table; progress goes to {@code log} (may be null). */
    static Table run(BenchOptions options, PrintStream log) throws Exception {
        Table table = new Table();
        try (FakeOpenAi fake = FakeOpenAi.http().start()) {
            BenchContext ctx = new BenchContext(options, fake, table, log);
            ctx.progress("broker java " + options.java + " (" + javaVersion(options) + "), jar " + options.jar);
            if (ctx.original.isPresent()) {
                table.note(Original.describe(ctx.original.get()));
            } else {
                table.note("the original's column was skipped: no --original CHECKOUT given");
            }
            MintBench mints = new MintBench(ctx);
            StartBench starts = new StartBench(ctx);
            if (options.runs("mint")) {
                mints.latency();
            }
            if (options.runs("start")) {
                starts.startToHealthy();
            }
            if (options.runs("click")) {
                new ClickBench(ctx).run();
            }
            if (options.runs("cli")) {
                new CliBench(ctx).run();
            }
            if (options.runs("rss") || options.runs("conns")) {
                mints.rssAndConnections(options.runs("rss"), options.runs("conns"));
            }
            if (options.runs("tts")) {
                new SpeechBench(ctx).run();
            }
            if (options.runs("ttt")) {
                mints.timeToToken();
            }
            if (!fake.contractViolations().isEmpty()) {
                table.note("the fake saw contract violations: " + fake.contractViolations().subList(0,
                        Math.min(3, fake.contractViolations().size())));
            }
        }
        return table;
    }

    static String report(BenchOptions options, Table table) {
        return "voice-broker benchmark, " + Instant.now().toString().substring(0, 16).replace('T', ' ') + " UTC, "
                + Runtime.getRuntime().availableProcessors() + " cores, broker on " + javaVersion(options)
                + (options.quick ? ", QUICK mode (too few runs for real figures)" : "") + "\n"
                + (options.original == null ? "original: skipped (no --original)\n" : "original: " + options.original.getFileName() + " checkout, Bun\n")
                + "broker JVM flags: " + (options.brokerArgs == null ? "(none)" : flagsOf(options.brokerArgs))
                + (options.extraJvm.isEmpty() ? "" : " + " + String.join(" ", options.extraJvm)) + "\n\n"
                + table.markdown();
    }

    private static String flagsOf(Path argsFile) {
        try {
            return String.join(" ", Files.readAllLines(argsFile).stream().map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList());
        } catch (IOException e) {
            return "@" + argsFile;
        }
    }

    /** "JDK 17.0.15" from the java's release file (no process started). */
    static String javaVersion(BenchOptions options) {
        try {
            Path release = options.java.toRealPath().getParent().getParent().resolve("release");
            for (String line : Files.readAllLines(release)) {
                if (line.startsWith("JAVA_RUNTIME_VERSION=")) {
                    return "JDK " + line.substring(line.indexOf('=') + 1).replace("\"", "");
                }
            }
        } catch (IOException | RuntimeException e) {
            // below
        }
        return "JDK (version unknown)";
    }
}
