package voicebroker.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;

/**
 * The sidecar voice-broker replaces, for the benchmark's "original" column: Bun running {@code voice-lab/server.ts}
 * from a checkout of the original project (given with {@code --original}; its code is never copied here). It gets
 * the environment it reads (PORT, OPENAI_API_KEY, OPENAI_BASE_URL without {@code /v1}) pointing at the same fake
 * upstream as the broker, and is called the way its page calls it (Origin, JSON body, no token: it has none).
 */
final class Original {
    static final String SERVER = "voice-lab/server.ts";
    final Path checkout;
    final Path bun;

    Original(Path checkout, Path bun) {
        this.checkout = checkout;
        this.bun = bun;
        if (!Files.isRegularFile(checkout.resolve(SERVER))) {
            throw new BenchOptions.UsageException("--original " + checkout + " has no " + SERVER + " (want a checkout of mg4costcorp-sys/Agentic-OS)");
        }
        if (!Files.isExecutable(bun)) {
            throw new BenchOptions.UsageException("no Bun at " + bun + " (bench/run installs @oven/bun-linux-x64 with npm)");
        }
    }

    /** {@code bun run voice-lab/server.ts}, as the original's {@code /__start_voice} spawns it. */
    List<String> command() {
        return List.of(bun.toString(), "run", SERVER);
    }

    /** The environment the original's launcher gives it: its own plus PORT and the key. */
    Map<String, String> env(FakeOpenAi fake, int port) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("HOME", System.getenv().getOrDefault("HOME", "/tmp"));
        env.put("PORT", Integer.toString(port));
        env.put("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY);
        env.put("OPENAI_BASE_URL", fake.rootUrl());
        return env;
    }

    Server start(FakeOpenAi fake) {
        int port = BrokerProcess.freePort();
        ProcessBuilder builder = new ProcessBuilder(command()).directory(checkout.toFile())
                .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD);
        builder.environment().clear();
        builder.environment().putAll(env(fake, port));
        try {
            Server server = new Server(builder.start(), port);
            server.awaitHealthy(30_000);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Bun: " + command(), e);
        }
    }

    /** A running original sidecar. */
    static final class Server implements AutoCloseable {
        final Process process;
        final int port;

        Server(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        long pid() {
            return process.pid();
        }

        Http1 connection() {
            return new Http1("127.0.0.1", port);
        }

        byte[] health() {
            return Http1.request("GET", "/api/health", "127.0.0.1:" + port, Map.of(), new byte[0]);
        }

        /** A mint as its page sends it: Origin and a JSON body; it has no token. */
        byte[] mint() {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Origin", BenchContext.ORIGIN);
            headers.put("Content-Type", "application/json");
            return Http1.request("POST", "/api/session", "127.0.0.1:" + port, headers,
                    BenchContext.MINT_BODY.getBytes(StandardCharsets.UTF_8));
        }

        void awaitHealthy(long timeoutMillis) {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Bun exited with " + process.exitValue() + " before it was healthy");
                }
                try (Http1 c = connection()) {
                    if (c.exchange(health()).status() == 200) {
                        return;
                    }
                } catch (ConnectException notYet) {
                    // not listening yet
                } catch (IOException other) {
                    // try again
                }
                BenchContext.sleep(5);
            }
            throw new IllegalStateException("Bun was not healthy within " + timeoutMillis + " ms");
        }

        @Override
        public void close() {
            StartBench.stop(process.toHandle());
        }
    }

    static String describe(Original original) {
        return "original: `bun run " + SERVER + "` from a checkout of mg4costcorp-sys/Agentic-OS, Bun " + original.bunVersion()
                + "; its clicks go through bench/original-start-voice.config.mjs, a model of its `/__start_voice` written for this benchmark";
    }

    String bunVersion() {
        try {
            Process p = new ProcessBuilder(bun.toString(), "--version").redirectErrorStream(true).start();
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return "(version unknown)";
        }
    }
}
