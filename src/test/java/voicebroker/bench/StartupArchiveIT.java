package voicebroker.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import voicebroker.startup.StartupArchive;

/**
 * The start-up archive on a private copy of the repository layout ({@code target/voice-broker.jar},
 * {@code jvm/broker.args}, the {@code voice} script), so the real {@code target/} is never touched: it is made and
 * used, the {@code voice} script finds the same file in bash, and an incomplete archive is never handed out.
 */
class StartupArchiveIT {
    private static Path root;
    private static Path jar;
    private static Path java;
    private static Optional<Path> archive;

    @BeforeAll
    static void makeArchive() throws IOException {
        Path repo = Path.of(System.getProperty("voicebroker.root", ".")).toAbsolutePath();
        Path builtJar = Path.of(System.getProperty("voicebroker.jar", repo.resolve("target/voice-broker.jar").toString()));
        root = Files.createTempDirectory("archive-it");
        Files.createDirectories(root.resolve("target"));
        Files.createDirectories(root.resolve("jvm"));
        Files.createDirectories(root.resolve("src/main"));
        jar = root.resolve("target/voice-broker.jar");
        Files.copy(builtJar, jar);
        Files.copy(repo.resolve("jvm/broker.args"), root.resolve("jvm/broker.args"));
        Files.copy(repo.resolve("voice"), root.resolve("voice"));
        Files.copy(repo.resolve("pom.xml"), root.resolve("pom.xml"));
        // Sources older than the jar: the script must not try to rebuild it.
        FileTime old = FileTime.from(Instant.now().minus(Duration.ofDays(1)));
        for (Path p : List.of(root.resolve("pom.xml"), root.resolve("src/main"), root.resolve("src"))) {
            Files.setLastModifiedTime(p, old);
        }
        root.resolve("voice").toFile().setExecutable(true);
        java = BenchOptions.defaultJava();
        // What a creator killed half-way leaves behind (no process has this pid: it is above the kernel's limit).
        Files.writeString(root.resolve("target/.voice-broker-jdk17-0123456789abcdef.jsa.999999999.tmp"), "half an archive");
        archive = StartupArchive.ensureArchive(java, jar, Duration.ofMinutes(3));
    }

    @AfterAll
    static void cleanUp() {
        StartBench.deleteTree(root);
    }

    @Test
    void isMadeBesideTheJarAndUsed() throws Exception {
        assertTrue(archive.isPresent(), "no archive was made for " + java);
        assertEquals(jar.getParent(), archive.get().getParent());
        List<String> options = StartupArchive.jvmOptions(java, jar);
        assertFalse(options.isEmpty());
        List<String> command = new ArrayList<>(List.of(java.toString(), "@" + root.resolve("jvm/broker.args")));
        command.addAll(options);
        command.addAll(List.of("-Xlog:class+load=info", "-jar", jar.toString(), "help"));
        String out = run(command);
        assertTrue(out.contains("voicebroker.cli.Main source: shared objects file"), out.lines().filter(l -> l.contains("voicebroker.cli.Main")).toList().toString());
    }

    @Test
    void aKilledCreatorsTemporaryFileIsRemoved() {
        assertFalse(Files.exists(root.resolve("target/.voice-broker-jdk17-0123456789abcdef.jsa.999999999.tmp")));
    }

    @Test
    void theVoiceScriptFindsTheSameArchive() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(root.resolve("voice").toString(), "help").redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", java.toRealPath().getParent().getParent().toString());
        builder.environment().put("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info");
        String out = run(builder);
        assertTrue(out.contains("voicebroker.cli.Main source: shared objects file"),
                out.lines().filter(l -> l.contains("voicebroker.cli.Main")).toList().toString());
    }

    @Test
    void anIncompleteArchiveIsNeverHandedOut() throws Exception {
        Path file = archive.orElseThrow();
        Path saved = file.resolveSibling("saved.bin");
        Files.copy(file, saved, StandardCopyOption.REPLACE_EXISTING);
        try {
            // Truncated (as a crash during a copy could leave it): JDK 17 would die of SIGBUS mapping it.
            Path truncated = file.resolveSibling("truncated.bin");
            byte[] head = new byte[(int) Math.min(Files.size(file) / 2, 1 << 20)];
            try (var in = Files.newInputStream(file)) {
                in.readNBytes(head, 0, head.length);
            }
            Files.write(truncated, head);
            Files.move(truncated, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertEquals(List.of(), StartupArchive.jvmOptions(java, jar));
            // No marker: not used either.
            Files.copy(saved, file, StandardCopyOption.REPLACE_EXISTING);
            Path marker = file.resolveSibling(file.getFileName() + ".ok");
            String size = Files.readString(marker, StandardCharsets.US_ASCII);
            Files.delete(marker);
            assertEquals(List.of(), StartupArchive.jvmOptions(java, jar));
            Files.writeString(marker, size, StandardCharsets.US_ASCII);
            assertFalse(StartupArchive.jvmOptions(java, jar).isEmpty());
        } finally {
            Files.move(saved, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        return run(new ProcessBuilder(command).redirectErrorStream(true));
    }

    private static String run(ProcessBuilder builder) throws IOException, InterruptedException {
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), out);
        return out;
    }
}
