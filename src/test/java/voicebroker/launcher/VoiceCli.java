package voicebroker.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;

/**
 * Runs the real {@code voice} command ({@code java @jvm/broker.args -jar target/voice-broker.jar ...}, as the
 * {@code voice} script does) as a separate process, with a clean environment: PATH, HOME and LANG, a fake key,
 * a free port, a private temporary runtime directory and working directory, and the test's base URL. Every
 * broker it sees is killed at {@link #close()}, so a failing test leaves no process behind.
 */
final class VoiceCli implements AutoCloseable {
    static final String KEY = FakeOpenAi.DEFAULT_KEY;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    final Path home;
    final Path workDir;
    final Path runtimeDir;
    final int port;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final Set<Long> brokerPids = ConcurrentHashMap.newKeySet();

    /** What one command did. */
    record Run(List<String> command, int exit, String stdout, String stderr, Duration took) {
        JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("stdout is not JSON: " + this, e);
            }
        }

        String all() {
            return stdout + stderr;
        }

        @Override
        public String toString() {
            return command.subList(command.size() - 1, command.size()) + " exit " + exit + " in " + took.toMillis() + " ms\n--- stdout ---\n"
                    + stdout + "--- stderr ---\n" + stderr;
        }
    }

    VoiceCli(String baseUrl) {
        try {
            home = Files.createTempDirectory("voice-cli", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            workDir = Files.createDirectory(home.resolve("work"));
            runtimeDir = home.resolve("runtime");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        port = BrokerProcess.freePort();
        env.put("OPENAI_API_KEY", KEY);
        env.put("OPENAI_BASE_URL", baseUrl);
        env.put("VOICE_PORT", Integer.toString(port));
        env.put("VOICE_RUNTIME_DIR", runtimeDir.toString());
    }

    /** Changes the environment of every later command; null removes the variable. */
    VoiceCli env(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return this;
    }

    Run run(String... args) {
        return run(Map.of(), List.of(), null, args);
    }

    Run runWithEnv(Map<String, String> extraEnv, String... args) {
        return run(extraEnv, List.of(), null, args);
    }

    Run runWithStdin(String stdin, String... args) {
        return run(Map.of(), List.of(), stdin, args);
    }

    /** Starts a long-running command (such as {@code launcher}) with pipes on stdin and stdout; stderr goes to {@code err}. */
    Process spawn(Map<String, String> extraEnv, Path err, String... args) {
        ProcessBuilder builder = builder(extraEnv, command(List.of(), args)).redirectError(err.toFile());
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ProcessBuilder builder(Map<String, String> extraEnv, List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
        builder.environment().clear();
        for (String inherited : List.of("PATH", "HOME", "LANG")) {
            Optional.ofNullable(System.getenv(inherited)).ifPresent(value -> builder.environment().put(inherited, value));
        }
        builder.environment().putAll(env);
        builder.environment().putAll(extraEnv);
        return builder;
    }

    Run run(Map<String, String> extraEnv, List<String> jvmOptions, String stdin, String... args) {
        List<String> command = command(jvmOptions, args);
        Path out = tempFile("out");
        Path err = tempFile("err");
        ProcessBuilder builder = builder(extraEnv, command).redirectOutput(out.toFile()).redirectError(err.toFile());
        long start = System.nanoTime();
        try {
            Process process = builder.start();
            try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish within " + COMMAND_TIMEOUT + ":\n" + Files.readString(err));
            }
            Run run = new Run(command, process.exitValue(), Files.readString(out), Files.readString(err),
                    Duration.ofNanos(System.nanoTime() - start));
            runtimeFile().ifPresent(file -> brokerPids.add(file.path("pid").asLong()));
            return run;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static List<String> command(List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>();
        command.add(BrokerProcess.javaBin());
        String root = System.getProperty("voicebroker.root");
        if (root != null && Files.isRegularFile(Path.of(root, "jvm", "broker.args"))) {
            command.add("@" + Path.of(root, "jvm", "broker.args"));
        }
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        return command;
    }

    static Path jar() {
        String jar = System.getProperty(BrokerProcess.JAR_PROPERTY);
        if (jar == null) {
            throw new IllegalStateException("system property voicebroker.jar is not set: run through failsafe (mvn verify)");
        }
        return Path.of(jar);
    }

    Path runtimeFilePath() {
        return runtimeDir.resolve("broker-" + port + ".json");
    }

    Optional<JsonNode> runtimeFile() {
        try {
            return Files.isRegularFile(runtimeFilePath()) ? Optional.of(JSON.readTree(runtimeFilePath().toFile())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    Path logFile() {
        return runtimeDir.resolve("broker-" + port + ".log");
    }

    Path stderrFile() {
        return runtimeDir.resolve("broker-" + port + ".stderr");
    }

    /** Everything the broker wrote to files in the runtime directory, except the runtime file (which holds the token). */
    String brokerFiles() throws IOException {
        StringBuilder text = new StringBuilder();
        for (Path file : List.of(logFile(), stderrFile(), runtimeDir.resolve(logFile().getFileName() + ".1"))) {
            if (Files.isRegularFile(file)) {
                text.append(Files.readString(file));
            }
        }
        return text.toString();
    }

    void track(long pid) {
        brokerPids.add(pid);
    }

    /** A process that exited counts as gone even before it is reaped (its parent is whatever adopted it). */
    static boolean isRunning(long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    static void awaitGone(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(pid)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("pid " + pid + " still runs after " + timeout);
            }
            sleep(20);
        }
    }

    /** The command line of a process, as the kernel shows it to everyone on the machine. */
    static String commandLine(long pid) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').strip();
    }

    /** Every running broker ("... voice-broker.jar serve", or a dev server's launcher that may be one) whose environment says this port: there must be at most one. */
    List<Long> brokersOnThisPort() {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path entry : entries.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                long pid = Long.parseLong(entry.getFileName().toString());
                try {
                    String environ = new String(Files.readAllBytes(entry.resolve("environ")), StandardCharsets.UTF_8);
                    if (isRunning(pid) && commandLine(pid).matches(".*voice-broker\\.jar (serve|launcher)")
                            && List.of(environ.split("\0")).contains("VOICE_PORT=" + port)) {
                        pids.add(pid);
                    }
                } catch (IOException | RuntimeException vanished) {
                    // a process that ended while we looked, or one we may not read
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }

    Path tempFile(String suffix) {
        try {
            return Files.createTempFile(home, "run-", "." + suffix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long ms) {
        voicebroker.testkit.Pause.millis(ms);
    }

    /** Kills every broker this helper saw (only processes that really run the broker jar), then removes the files. */
    @Override
    public void close() {
        runtimeFile().ifPresent(file -> brokerPids.add(file.path("pid").asLong()));
        brokerPids.addAll(brokersOnThisPort());
        for (long pid : brokerPids) {
            ProcessHandle.of(pid).filter(h -> h.info().commandLine().map(line -> line.contains("voice-broker.jar")).orElse(false))
                    .ifPresent(ProcessHandle::destroyForcibly);
        }
        try (Stream<Path> paths = Files.walk(home)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // leftover temp files do not change a test's result
        }
    }
}
