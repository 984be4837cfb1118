package voicebroker.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs the real broker as a separate OS process, the way a user does: {@code java -jar voice-broker.jar serve}.
 * The process gets a clean environment (only PATH, HOME, LANG, LC_ALL and JAVA_HOME are inherited, plus what
 * the test passes), a fresh temporary working directory (so no stray {@code .env} is read) and a fresh
 * VOICE_RUNTIME_DIR. Its stdout and stderr are captured in full by background threads.
 *
 * <p>The contract with the broker: it prints exactly one line {@code voice-broker ready url=http://127.0.0.1:PORT
 * pid=PID} on stdout when it serves, logs go to stderr, and a bad configuration exits with code 2.
 *
 * <pre>{@code
 * try (BrokerProcess broker = BrokerProcess.start(Map.of(
 *         "OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY,
 *         "OPENAI_BASE_URL", fake.baseUrl(),
 *         "VOICE_PORT", String.valueOf(BrokerProcess.freePort())))) {
 *     ... RawHttp / HttpClient against broker.url() ...
 *     assertFalse(broker.stderr().contains(FakeOpenAi.DEFAULT_KEY));
 * }
 * BrokerProcess.Result bad = BrokerProcess.run(Map.of("OPENAI_BASE_URL", "http://evil.example"), "serve");
 * assertEquals(2, bad.exitCode());
 * }</pre>
 */
public final class BrokerProcess implements AutoCloseable {

    /** System property naming the broker jar; the failsafe plugin sets it to target/voice-broker.jar. */
    public static final String JAR_PROPERTY = "voicebroker.jar";

    /**
     * The readiness line; group 1 is the URL, group 2 the port, group 3 the pid. Any host is accepted so a test
     * bind mode (or ::1) still starts; tests that care assert {@code url()} starts with "http://127.0.0.1:".
     */
    public static final Pattern READY_LINE =
            Pattern.compile("^voice-broker ready url=(https?://[^\\s/]+:(\\d+)) pid=(\\d+)$");

    private static final List<String> INHERITED_VARIABLES = List.of("PATH", "HOME", "LANG", "LC_ALL", "JAVA_HOME");

    private final Process process;
    private final OutputCapture stdout;
    private final OutputCapture stderr;
    private final Path workDir;
    private final Path runtimeDir;
    private final List<Path> createdDirs;
    private final Duration stopGrace;
    private volatile ReadyLine ready;

    private BrokerProcess(Launch launch, Builder builder) {
        this.process = launch.process;
        this.stdout = launch.stdout;
        this.stderr = launch.stderr;
        this.workDir = launch.workDir;
        this.runtimeDir = launch.runtimeDir;
        this.createdDirs = launch.createdDirs;
        this.stopGrace = builder.stopGrace;
    }

    // ---- starting --------------------------------------------------------------------------------------------

    /** Starts {@code java -jar <voicebroker.jar> serve} with this environment and waits until it is ready. */
    public static BrokerProcess start(Map<String, String> env) {
        return builder().env(env).start();
    }

    /** Runs a command that is expected to exit (e.g. a bad config must exit 2), and returns what it did. */
    public static Result run(Map<String, String> env, String... args) {
        return builder().env(env).args(args).run();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A port that was free a moment ago on 127.0.0.1 (another process could take it; fine for tests). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        }
    }

    /** The java launcher of the JVM running the tests. */
    public static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Options for starting; every setter returns the builder. */
    public static final class Builder {
        private List<String> launcher;
        private Path jar;
        private final List<String> jvmArgs = new ArrayList<>();
        private List<String> args = List.of("serve");
        private final Map<String, String> env = new LinkedHashMap<>();
        private Path workDir;
        private Duration readyTimeout = Duration.ofSeconds(20);
        private Duration stopGrace = Duration.ofSeconds(5);

        private Builder() {
        }

        /** The broker jar (default: the {@value #JAR_PROPERTY} system property). */
        public Builder jar(Path brokerJar) {
            this.jar = brokerJar;
            return this;
        }

        /** Extra JVM options, e.g. {@link SelfSignedCert#trustStoreJvmArgs()}. */
        public Builder jvmArgs(List<String> options) {
            jvmArgs.addAll(options);
            return this;
        }

        public Builder jvmArg(String option) {
            jvmArgs.add(option);
            return this;
        }

        /** Program arguments after the jar (default: "serve"). */
        public Builder args(String... programArgs) {
            this.args = List.of(programArgs);
            return this;
        }

        /** Adds variables; a null value removes an inherited one (e.g. HOME). */
        public Builder env(Map<String, String> variables) {
            env.putAll(variables);
            return this;
        }

        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** Runs in this directory instead of a fresh empty one (e.g. to test the .env file). */
        public Builder workDir(Path directory) {
            this.workDir = directory;
            return this;
        }

        public Builder readyTimeout(Duration timeout) {
            this.readyTimeout = timeout;
            return this;
        }

        /** How long stop() waits after a polite SIGTERM before killing (default 5 s). */
        public Builder stopGrace(Duration grace) {
            this.stopGrace = grace;
            return this;
        }

        /**
         * Replaces {@code java <jvmArgs> -jar <jar>} with another command prefix, so the harness itself can be
         * tested with a stand-in program; program arguments still follow.
         */
        public Builder launcher(String... commandPrefix) {
            this.launcher = List.of(commandPrefix);
            return this;
        }

        /** Starts and waits for the readiness line; throws with exit code and output if it never comes. */
        public BrokerProcess start() {
            BrokerProcess broker = new BrokerProcess(Launch.of(this), this);
            broker.awaitReady(readyTimeout);
            return broker;
        }

        /** Starts, waits for the process to exit (within the ready timeout), and returns exit code and output. */
        public Result run() {
            BrokerProcess broker = new BrokerProcess(Launch.of(this), this);
            try {
                int exitCode = broker.waitForExit(readyTimeout);
                return new Result(exitCode, broker.stdout(), broker.stderr());
            } finally {
                broker.close();
            }
        }

        List<String> command() {
            List<String> command = new ArrayList<>();
            if (launcher != null) {
                command.addAll(launcher);
            } else {
                command.add(javaBin());
                command.addAll(jvmArgs);
                command.add("-jar");
                command.add(brokerJar().toString());
            }
            command.addAll(args);
            return command;
        }

        private Path brokerJar() {
            if (jar != null) {
                return jar;
            }
            String property = System.getProperty(JAR_PROPERTY);
            if (property == null) {
                throw new IllegalStateException("system property " + JAR_PROPERTY + " is not set; run the"
                        + " integration tests through failsafe (mvn verify) or pass .jar(path)");
            }
            return Path.of(property);
        }
    }

    /** What a one-shot run did. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    /** The parts of the readiness line. */
    private record ReadyLine(String url, int port, long pid) {
    }

    // ---- the running process ---------------------------------------------------------------------------------

    /** Port from the readiness line. */
    public int port() {
        return readyLine().port();
    }

    /** "http://127.0.0.1:PORT" from the readiness line. */
    public String url() {
        return readyLine().url();
    }

    /** The pid the broker printed (it should equal {@link #processPid()}). */
    public long pid() {
        return readyLine().pid();
    }

    /** The pid of the process we started. */
    public long processPid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything written to stdout so far. */
    public String stdout() {
        return stdout.text();
    }

    /** Everything written to stderr so far (the broker's log). */
    public String stderr() {
        return stderr.text();
    }

    public Path runtimeDir() {
        return runtimeDir;
    }

    public Path workDir() {
        return workDir;
    }

    /** Waits until stderr contains the text (logs are asynchronous); throws on timeout. */
    public void awaitStderr(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!stderr().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("stderr did not show \"" + text + "\" within " + timeout + ":\n"
                        + stderr());
            }
            Pause.of(Duration.ofMillis(20));
        }
    }

    /** Waits for the process to exit and for its output to be fully read; returns the exit code. */
    public int waitForExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("process did not exit within " + timeout + "\n" + describe());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
        drainOutput();
        return process.exitValue();
    }

    /** Asks the process to stop (SIGTERM), kills it after the grace period; returns its exit code. */
    public int stop() {
        if (process.isAlive()) {
            process.destroy();
            if (!waitQuietly(stopGrace)) {
                process.destroyForcibly();
                waitQuietly(Duration.ofSeconds(10));
            }
        }
        drainOutput();
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** Stops the process and deletes the temporary directories this harness made. */
    @Override
    public void close() {
        stop();
        createdDirs.forEach(BrokerProcess::deleteTree);
    }

    private ReadyLine readyLine() {
        if (ready == null) {
            throw new IllegalStateException("the broker has not printed its readiness line");
        }
        return ready;
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher match = stdout.firstMatch(READY_LINE);
            if (match != null) {
                ready = new ReadyLine(match.group(1), Integer.parseInt(match.group(2)), Long.parseLong(match.group(3)));
                return;
            }
            if (!process.isAlive()) {
                drainOutput();
                close();
                throw new IllegalStateException("the broker exited with code " + process.exitValue()
                        + " before it was ready\n" + describe());
            }
            if (System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException("the broker was not ready within " + timeout + "\n" + describe());
            }
            Pause.of(Duration.ofMillis(20));
        }
    }

    private boolean waitQuietly(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** After exit, the reader threads may still hold the last lines; give them a moment to finish. */
    private void drainOutput() {
        if (!process.isAlive()) {
            stdout.awaitEnd(Duration.ofSeconds(5));
            stderr.awaitEnd(Duration.ofSeconds(5));
        }
    }

    private String describe() {
        return "--- stdout ---\n" + stdout() + "--- stderr ---\n" + stderr();
    }

    @Override
    public String toString() {
        return "BrokerProcess(pid " + process.pid() + (ready != null ? ", " + url() : ", not ready") + ")";
    }

    // ---- launching -------------------------------------------------------------------------------------------

    /** The started OS process and what was made for it. */
    private static final class Launch {
        Process process;
        OutputCapture stdout;
        OutputCapture stderr;
        Path workDir;
        Path runtimeDir;
        final List<Path> createdDirs = new ArrayList<>();

        static Launch of(Builder builder) {
            Launch launch = new Launch();
            try {
                launch.workDir = builder.workDir != null ? builder.workDir : launch.privateTempDir("broker-work");
                Map<String, String> env = new LinkedHashMap<>(builder.env);
                if (!env.containsKey("VOICE_RUNTIME_DIR")) {
                    env.put("VOICE_RUNTIME_DIR", launch.privateTempDir("broker-runtime").toString());
                }
                launch.runtimeDir = env.get("VOICE_RUNTIME_DIR") == null ? null : Path.of(env.get("VOICE_RUNTIME_DIR"));
                ProcessBuilder processBuilder = new ProcessBuilder(builder.command()).directory(launch.workDir.toFile());
                cleanEnvironment(processBuilder.environment(), env);
                launch.process = processBuilder.start();
            } catch (IOException e) {
                launch.createdDirs.forEach(BrokerProcess::deleteTree);
                throw new UncheckedIOException("cannot start " + builder.command(), e);
            }
            launch.stdout = new OutputCapture(launch.process.getInputStream(), "stdout");
            launch.stderr = new OutputCapture(launch.process.getErrorStream(), "stderr");
            return launch;
        }

        /** A temp dir only we can enter (0700), as the broker expects for its runtime files. */
        private Path privateTempDir(String prefix) throws IOException {
            Path dir = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                    ? Files.createTempDirectory(prefix,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
                    : Files.createTempDirectory(prefix);
            createdDirs.add(dir);
            return dir;
        }

        /** Clears everything, keeps a few harmless variables, then applies the test's (null removes). */
        private static void cleanEnvironment(Map<String, String> environment, Map<String, String> wanted) {
            Map<String, String> inherited = new LinkedHashMap<>();
            for (String name : INHERITED_VARIABLES) {
                String value = System.getenv(name);
                if (value != null) {
                    inherited.put(name, value);
                }
            }
            environment.clear();
            environment.putAll(inherited);
            wanted.forEach((name, value) -> {
                if (value == null) {
                    environment.remove(name);
                } else {
                    environment.put(name, value);
                }
            });
        }
    }

    /** Reads one output stream to its end on a daemon thread, keeping every line. */
    private static final class OutputCapture {
        private final StringBuilder text = new StringBuilder();
        private final CompletableFuture<Void> ended = new CompletableFuture<>();

        OutputCapture(InputStream stream, String name) {
            Thread reader = new Thread(() -> readAll(stream), "broker-" + name + "-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void readAll(InputStream stream) {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    synchronized (text) {
                        text.append(line).append('\n');
                    }
                }
            } catch (IOException streamClosed) {
                // The process is gone; what was read is kept.
            } finally {
                ended.complete(null);
            }
        }

        String text() {
            synchronized (text) {
                return text.toString();
            }
        }

        Matcher firstMatch(Pattern pattern) {
            for (String line : text().split("\n")) {
                Matcher matcher = pattern.matcher(line);
                if (matcher.matches()) {
                    return matcher;
                }
            }
            return null;
        }

        void awaitEnd(Duration timeout) {
            try {
                ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception notEndedInTime) {
                // A grandchild may still hold the pipe open; keep what we have.
            }
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------


    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // Leftover temp files are harmless; do not hide the test's own result behind this.
        }
    }
}
