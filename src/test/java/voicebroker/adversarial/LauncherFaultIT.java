package voicebroker.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;
import voicebroker.testkit.RawHttp;

/**
 * Faults around starting the broker with the {@code voice} command, from the positions the launcher tests in
 * voicebroker.launcher do not take: Java missing altogether, a runtime directory this user may not write, a
 * program that takes the port after the broker was killed (and must never be handed the dead broker's token),
 * and a squatter on the IPv6 loopback only. Each must end in one actionable line (what happened, "Fix: …"),
 * and no broker may be left running.
 */
class LauncherFaultIT {
    private Path home;
    private int port;
    private final List<Long> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        home = Files.createTempDirectory("vb-launcher", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        port = BrokerProcess.freePort();
    }

    @AfterEach
    void stopEverything() throws IOException {
        for (long pid : started) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        try (var paths = Files.walk(home)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    private record Outcome(int exit, String stdout, String stderr) {
        String all() {
            return stdout + stderr;
        }
    }

    private Map<String, String> env(Path runtimeDir) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("HOME", home.toString());
        env.put("VOICE_PORT", Integer.toString(port));
        env.put("VOICE_RUNTIME_DIR", runtimeDir.toString());
        env.put("OPENAI_API_KEY", Arena.KEY);
        return env;
    }

    private static List<String> voice(Path jar, String... args) {
        List<String> command = new ArrayList<>(List.of(BrokerProcess.javaBin()));
        command.addAll(Arena.productionJvmArgs());
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        return command;
    }

    private static Path jar() {
        return Path.of(System.getProperty(BrokerProcess.JAR_PROPERTY));
    }

    private static Outcome run(List<String> command, Map<String, String> env, Path workDir) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
            builder.environment().clear();
            builder.environment().putAll(env);
            Path out = Files.createTempFile("vb-out", ".txt");
            Path err = Files.createTempFile("vb-err", ".txt");
            try {
                Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError(command + " did not finish within 60 s");
                }
                return new Outcome(process.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** One line on stderr that names the problem and says how to fix it. */
    private static void assertActionable(Outcome outcome, String code) {
        String err = outcome.stderr().strip();
        assertTrue(err.contains(code), "names " + code + ": " + outcome);
        assertTrue(err.contains("Fix:"), "says how to fix it: " + outcome);
        assertFalse(err.contains("Exception\n") || err.contains("\tat "), "no stack trace: " + outcome);
    }

    private Optional<JsonNode> runtimeFile(Path runtimeDir) {
        Path file = runtimeDir.resolve("broker-" + port + ".json");
        try {
            return Files.isRegularFile(file) ? Optional.of(Arena.json(Files.readString(file))) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Test
    void missingJavaIsNamedWithItsFix() throws IOException {
        // The voice script is what users run; give it a PATH with bash and dirname but no java, and no JAVA_HOME.
        Path script = Path.of(System.getProperty("voicebroker.root", "."), "voice");
        assertTrue(Files.isExecutable(script), "the voice script is at " + script);
        Path bin = Files.createDirectory(home.resolve("bin"));
        for (String tool : List.of("bash", "dirname", "env")) {
            for (String dir : List.of("/usr/bin", "/bin")) {
                Path real = Path.of(dir, tool);
                if (Files.isExecutable(real) && !Files.exists(bin.resolve(tool))) {
                    Files.createSymbolicLink(bin.resolve(tool), real);
                }
            }
        }
        Map<String, String> env = new LinkedHashMap<>(env(home.resolve("runtime")));
        env.put("PATH", bin.toString());
        Outcome noJava = run(List.of(script.toString(), "start"), env, home);
        assertEquals(2, noJava.exit(), noJava.toString());
        assertActionable(noJava, "no Java found");
        assertTrue(noJava.stderr().contains("JAVA_HOME"), noJava.toString());
        env.put("JAVA_HOME", home.toString());
        Outcome emptyJavaHome = run(List.of(script.toString(), "start"), env, home);
        assertEquals(2, emptyJavaHome.exit(), "a JAVA_HOME without bin/java is no Java either: " + emptyJavaHome);
        assertActionable(emptyJavaHome, "no Java found");
        // The launcher's own check, for the java it would spawn the broker with.
        Map<String, String> badJava = new LinkedHashMap<>(env(home.resolve("runtime")));
        badJava.put("VOICE_JAVA", home.resolve("no-such-java").toString());
        Outcome spawn = run(voice(jar(), "start"), badJava, home);
        assertNotEquals(0, spawn.exit(), spawn.toString());
        assertActionable(spawn, "VOICE_JAVA");
        assertEquals(Optional.empty(), runtimeFile(home.resolve("runtime")), "nothing was started");
    }

    @Test
    void aRuntimeDirectoryThisUserMayNotWriteIsNamedWithItsFix() throws IOException {
        // Root may write anywhere, so the user here is nobody; the jar is copied where nobody can read it.
        Path pub = Files.createDirectory(home.resolve("pub"));
        Path jar = Files.copy(jar(), pub.resolve("voice-broker.jar"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Path nobodyHome = Files.createDirectory(home.resolve("nobody"));
        Files.setOwner(nobodyHome, home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        Path rootOnly = Files.createDirectory(home.resolve("root-only"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        for (String command : List.of("start", "serve")) {
            Map<String, String> env = env(rootOnly.resolve("runtime"));
            env.put("HOME", nobodyHome.toString());
            List<String> asNobody = new ArrayList<>(List.of("runuser", "-u", "nobody", "--", "env"));
            env.forEach((name, value) -> asNobody.add(name + "=" + value));
            asNobody.addAll(voice(jar, command));
            Outcome outcome = run(asNobody, Map.of("PATH", System.getenv("PATH")), nobodyHome);
            assertEquals(2, outcome.exit(), command + ": " + outcome);
            assertActionable(outcome, "runtime_dir");
            assertTrue(outcome.stderr().contains("VOICE_RUNTIME_DIR"), command + " names the variable: " + outcome);
        }
        assertFalse(portIsListening(port), "no broker was left listening");
    }

    private static boolean portIsListening(int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    @Test
    void aProgramThatTakesThePortAfterTheBrokerWasKilledNeverSeesItsToken() throws IOException {
        Path runtime = home.resolve("runtime");
        try (FakeOpenAi fake = FakeOpenAi.http().start()) {
            Map<String, String> env = env(runtime);
            env.put("OPENAI_BASE_URL", fake.baseUrl());
            Outcome start = run(voice(jar(), "start", "--json"), env, home);
            assertEquals(0, start.exit(), start.toString());
            JsonNode file = runtimeFile(runtime).orElseThrow();
            long pid = file.path("pid").asLong();
            started.add(pid);
            String staleToken = file.path("token").asText();
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            awaitGone(pid);
            assertTrue(runtimeFile(runtime).isPresent(), "SIGKILL leaves the runtime file, token and all");

            // Another program takes the port and answers like a broker would.
            List<String> authorizations = new CopyOnWriteArrayList<>();
            HttpServer squatter = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 0);
            squatter.createContext("/", exchange -> {
                authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")) + " "
                        + exchange.getRequestURI() + " " + exchange.getRequestHeaders().values());
                byte[] body = "{\"ok\":true,\"keyed\":true,\"service\":\"voice-broker\"}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            squatter.start();
            try {
                Outcome mint = run(voice(jar(), "mint"), env, home);
                assertNotEquals(0, mint.exit(), "no mint from a program that is not our broker: " + mint);
                Outcome status = run(voice(jar(), "status"), env, home);
                assertNotEquals(0, status.exit(), status.toString());
                Outcome again = run(voice(jar(), "start"), env, home);
                assertEquals(4, again.exit(), again.toString());
                assertActionable(again, "port_in_use");
                Outcome stop = run(voice(jar(), "stop"), env, home);
                assertEquals(0, stop.exit(), "stop leaves another program alone: " + stop);
                for (String seen : authorizations) {
                    assertFalse(seen.contains(staleToken), "the squatter was handed the dead broker's token: " + seen);
                }
                for (Outcome outcome : List.of(mint, status, again, stop)) {
                    assertEquals(null, Leaks.leakedPiece(outcome.all(), staleToken), "no token on the terminal: " + outcome);
                    assertEquals(null, Leaks.leakedPiece(outcome.all(), Arena.KEY), "no key on the terminal: " + outcome);
                }
                assertTrue(portIsListening(port), "the squatter still runs: stop did not touch it");
            } finally {
                squatter.stop(0);
            }
            // With the port free again, a start replaces the dead broker; its token is new and the old one is refused.
            Outcome replaced = run(voice(jar(), "start", "--json"), env, home);
            assertEquals(0, replaced.exit(), replaced.toString());
            JsonNode fresh = runtimeFile(runtime).orElseThrow();
            started.add(fresh.path("pid").asLong());
            assertNotEquals(staleToken, fresh.path("token").asText());
            RawHttp.Response withStaleToken = RawHttp.request("POST", "/api/session").header("Host", "localhost:" + port)
                    .header("Origin", Arena.ORIGIN).header("Authorization", "Bearer " + staleToken)
                    .header("Content-Type", "application/json").body("{}").send("127.0.0.1", port);
            Answers.assertRefusal(withStaleToken, 401, "bad_token");
            run(voice(jar(), "stop"), env, home);
        }
    }

    @Test
    void aSquatterOnTheIpv6LoopbackAloneIsPortInUse() throws IOException {
        Path runtime = home.resolve("runtime");
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getByName("::1"), port));
            Outcome start = run(voice(jar(), "start"), env(runtime), home);
            assertEquals(4, start.exit(), start.toString());
            assertActionable(start, "port_in_use");
            assertEquals(Optional.empty(), runtimeFile(runtime), "no broker was started");
            assertFalse(portIsListening(port), "no half-started broker holds 127.0.0.1");
        }
    }

    /**
     * Found by this suite: a runtime directory that another user created (e.g. under /tmp) was accepted. The broker
     * tightened it to 0700, but its owner kept full control and could move the runtime file away and plant one of
     * its own. RuntimeFile.ensurePrivateDir now refuses a directory this user does not own.
     */
    @Test
    void aRuntimeDirectoryOwnedByAnotherUserIsRefused() throws IOException {
        Path shared = Files.createDirectory(home.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path theirs = Files.createDirectory(shared.resolve("runtime"));
        Files.setOwner(theirs, home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        Files.setPosixFilePermissions(theirs, PosixFilePermissions.fromString("rwxrwxrwx"));
        Outcome start = run(voice(jar(), "start"), env(theirs), home);
        runtimeFile(theirs).ifPresent(file -> started.add(file.path("pid").asLong()));
        assertEquals(2, start.exit(), start.toString());
        assertActionable(start, "runtime_dir");
    }

    private static void awaitGone(long pid) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("pid " + pid + " did not die");
            }
            Vitals.sleep(20);
        }
    }
}
