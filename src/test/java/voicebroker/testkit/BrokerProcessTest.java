package voicebroker.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the harness for real with a stand-in broker: a tiny Java program compiled here, which prints the same
 * readiness line and exit codes the real broker promises, and misbehaves on request.
 */
class BrokerProcessTest {

    /** Modes, chosen by the first argument: how the stand-in behaves. */
    private static final String STAND_IN = """
            import java.net.*;
            import java.nio.file.*;
            import java.util.*;

            public class StandInBroker {
                public static void main(String[] args) throws Exception {
                    String mode = args.length > 0 ? args[0] : "serve";
                    switch (mode) {
                        case "crash" -> { System.err.println("boom: cannot start"); System.exit(3); }
                        case "bad-config" -> { System.err.println("voice-broker: OPENAI_BASE_URL must use https"); System.exit(2); }
                        case "env" -> { printEnvironment(); System.exit(0); }
                        case "silent" -> Thread.sleep(60_000);
                        default -> serve(mode);
                    }
                }

                static void serve(String mode) throws Exception {
                    System.err.println("starting in " + Paths.get("").toAbsolutePath());
                    if (mode.equals("chatty")) {
                        for (int i = 0; i < 5000; i++) System.err.println("log line " + i);
                    }
                    if (mode.equals("stubborn")) {
                        Runtime.getRuntime().addShutdownHook(new Thread(() -> sleepQuietly(60_000)));
                    }
                    int port = Integer.parseInt(System.getenv().getOrDefault("VOICE_PORT", "0"));
                    ServerSocket socket = new ServerSocket();
                    socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
                    System.out.println("voice-broker ready url=http://127.0.0.1:" + socket.getLocalPort()
                            + " pid=" + ProcessHandle.current().pid());
                    System.out.flush();
                    System.err.println("serving");
                    while (true) socket.accept().close();
                }

                static void printEnvironment() throws Exception {
                    System.out.println("ENV " + String.join(",", new TreeSet<>(System.getenv().keySet())));
                    System.out.println("CWD " + Paths.get("").toAbsolutePath());
                    try (var files = Files.list(Paths.get(""))) {
                        System.out.println("FILES " + files.count());
                    }
                }

                static void sleepQuietly(long millis) {
                    try { Thread.sleep(millis); } catch (InterruptedException e) { }
                }
            }
            """;

    @TempDir
    static Path classes;

    @BeforeAll
    static void compileStandIn() throws IOException {
        Path source = classes.resolve("StandInBroker.java");
        Files.writeString(source, STAND_IN);
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        int result = compiler.run(null, null, null, "-d", classes.toString(), source.toString());
        assertEquals(0, result, "the stand-in must compile");
    }

    private static BrokerProcess.Builder standIn(String mode) {
        return BrokerProcess.builder()
                .launcher(BrokerProcess.javaBin(), "-cp", classes.toString(), "StandInBroker")
                .args(mode);
    }

    @Test
    void waitsForTheReadinessLineAndParsesIt() throws Exception {
        int port = BrokerProcess.freePort();
        try (BrokerProcess broker = standIn("serve").env("VOICE_PORT", String.valueOf(port)).start()) {
            assertEquals(port, broker.port());
            assertEquals("http://127.0.0.1:" + port, broker.url());
            assertEquals(broker.processPid(), broker.pid());
            assertTrue(broker.isAlive());
            assertTrue(broker.stdout().startsWith("voice-broker ready url="), broker.stdout());
            broker.awaitStderr("serving", Duration.ofSeconds(5));
            assertTrue(broker.stderr().contains("starting in " + broker.workDir()), broker.stderr());
        }
    }

    @Test
    void givesAFreshPrivateRuntimeDirAndWorkDirAndCleansThemUp() throws Exception {
        Path runtimeDir;
        Path workDir;
        try (BrokerProcess broker = standIn("serve").start()) {
            runtimeDir = broker.runtimeDir();
            workDir = broker.workDir();
            assertTrue(Files.isDirectory(runtimeDir));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(runtimeDir)));
            assertNotEquals(Path.of("").toAbsolutePath(), workDir, "never the project directory (its .env)");
        }
        assertFalse(Files.exists(runtimeDir));
        assertFalse(Files.exists(workDir));
    }

    @Test
    void environmentIsCleanPlusWhatTheTestGives() {
        Map<String, String> env = new HashMap<>();
        env.put("OPENAI_API_KEY", "sk-test-env");
        env.put("HOME", null); // a null value removes an inherited variable
        BrokerProcess.Result result = BrokerProcess.builder()
                .launcher(BrokerProcess.javaBin(), "-cp", classes.toString(), "StandInBroker")
                .env(env).args("env").run();
        assertEquals(0, result.exitCode(), result.stderr());
        Set<String> names = new TreeSet<>(Arrays.asList(line(result.stdout(), "ENV ").split(",")));
        Set<String> allowed = Set.of("PATH", "LANG", "LC_ALL", "JAVA_HOME", "OPENAI_API_KEY", "VOICE_RUNTIME_DIR");
        assertTrue(allowed.containsAll(names), "unexpected variables: " + names);
        assertTrue(names.contains("OPENAI_API_KEY") && names.contains("VOICE_RUNTIME_DIR"), names::toString);
        assertFalse(names.contains("HOME"));
        assertEquals("0", line(result.stdout(), "FILES "), "the working directory starts empty");
    }

    @Test
    void suppliedWorkDirIsUsedAndKept(@TempDir Path workDir) throws IOException {
        Files.writeString(workDir.resolve(".env"), "OPENAI_API_KEY=sk-from-dotenv\n");
        BrokerProcess.Result result = standIn("env").workDir(workDir).run();
        assertEquals(workDir.toRealPath().toString(), Path.of(line(result.stdout(), "CWD ")).toRealPath().toString());
        assertEquals("1", line(result.stdout(), "FILES "));
        assertTrue(Files.exists(workDir.resolve(".env")), "a directory the test supplied is not deleted");
    }

    @Test
    void oneShotRunReturnsExitCodeAndOutput() {
        BrokerProcess.Result result = standIn("bad-config").run();
        assertEquals(2, result.exitCode());
        assertEquals("", result.stdout());
        assertEquals(List.of("voice-broker: OPENAI_BASE_URL must use https"), result.stderr().lines().toList());
    }

    @Test
    void exitBeforeReadyFailsWithExitCodeAndOutput() {
        IllegalStateException error = assertThrows(IllegalStateException.class, () -> standIn("crash").start());
        assertTrue(error.getMessage().contains("exited with code 3"), error.getMessage());
        assertTrue(error.getMessage().contains("boom: cannot start"), error.getMessage());
    }

    @Test
    void noReadinessLineInTimeFailsAndKillsTheProcess() {
        long start = System.nanoTime();
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> standIn("silent").readyTimeout(Duration.ofMillis(1500)).stopGrace(Duration.ofSeconds(1)).start());
        assertTrue(error.getMessage().contains("not ready within"), error.getMessage());
        assertTrue((System.nanoTime() - start) / 1_000_000 < 10_000);
    }

    @Test
    void stopEscalatesToKillWhenTheProcessIgnoresTerm() {
        try (BrokerProcess broker = standIn("stubborn").stopGrace(Duration.ofMillis(500)).start()) {
            long start = System.nanoTime();
            int exitCode = broker.stop();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertFalse(broker.isAlive());
            assertEquals(137, exitCode, "killed by SIGKILL after the grace period");
            assertTrue(millis < 10_000, "stop took " + millis + " ms");
        }
    }

    @Test
    void politeStopEndsANormalProcess() {
        try (BrokerProcess broker = standIn("serve").start()) {
            assertEquals(143, broker.stop(), "SIGTERM: the JVM exits with 128 + 15");
            assertEquals(143, broker.waitForExit(Duration.ofSeconds(1)));
        }
    }

    @Test
    void capturesLotsOfOutputWithoutBlockingTheProcess() {
        try (BrokerProcess broker = standIn("chatty").start()) {
            broker.awaitStderr("serving", Duration.ofSeconds(10));
            assertTrue(broker.stderr().contains("log line 4999\n"));
        }
    }

    @Test
    void freePortIsBindable() throws IOException {
        int port = BrokerProcess.freePort();
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            assertEquals(port, socket.getLocalPort());
        }
    }

    @Test
    void readinessLinePatternIsExact() {
        Matcher ipv4 = BrokerProcess.READY_LINE.matcher("voice-broker ready url=http://127.0.0.1:8099 pid=42");
        assertTrue(ipv4.matches());
        assertEquals("http://127.0.0.1:8099", ipv4.group(1));
        assertEquals("8099", ipv4.group(2));
        assertEquals("42", ipv4.group(3));
        Matcher ipv6 = BrokerProcess.READY_LINE.matcher("voice-broker ready url=http://[::1]:8099 pid=7");
        assertTrue(ipv6.matches());
        assertEquals("8099", ipv6.group(2));
        assertFalse(BrokerProcess.READY_LINE.matcher("voice-broker ready url=http://127.0.0.1:8099").matches());
        assertFalse(BrokerProcess.READY_LINE.matcher("log: voice-broker ready url=http://127.0.0.1:1 pid=1").matches());
    }

    @Test
    void defaultCommandIsJavaDashJarServe() {
        List<String> command = BrokerProcess.builder().jar(Path.of("some", "voice-broker.jar"))
                .jvmArg("-Dx=y").command();
        assertEquals(List.of(BrokerProcess.javaBin(), "-Dx=y", "-jar", Path.of("some", "voice-broker.jar").toString(),
                "serve"), command);
    }

    private static String line(String output, String prefix) {
        return output.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .map(l -> l.substring(prefix.length())).orElseThrow(() -> new AssertionError(prefix + " in " + output));
    }
}
