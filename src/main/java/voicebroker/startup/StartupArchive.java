package voicebroker.startup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The broker's start-up archive: the classes it loads (and, on JDK 25, their linked state and profiles) saved
 * once by a training run, then mapped at every start, which cuts start-up by about half.
 *
 * <ul>
 *   <li>JDK 25 and later: an AOT cache (JEP 483/514), {@code -XX:AOTCache=<file>}, made with the
 *       {@code -XX:AOTMode=record} / {@code -XX:AOTMode=create} pair. A cache the JVM cannot use (another JDK,
 *       another jar, other flags) is ignored silently: {@code AOTMode} defaults to {@code auto}.</li>
 *   <li>JDK 17 to 24: a dynamic AppCDS archive, {@code -XX:SharedArchiveFile=<file> -Xshare:auto}, made with
 *       {@code -XX:ArchiveClassesAtExit}. A mismatched archive is ignored silently too, but a <em>truncated</em> one
 *       crashes JDK 17 (SIGBUS while mapping it), so an archive is used only when the marker file written after
 *       it was created and checked ({@code <archive>.ok}) holds its exact size; archives are only ever written
 *       under a temporary name and renamed into place, never rewritten in place.</li>
 * </ul>
 *
 * <p>{@link ArchiveKey} names the file and writes the {@code voice} script's argument file; {@link ArchiveCreator}
 * makes it from a {@link TrainingRun}. {@code java -cp voice-broker.jar voicebroker.startup.StartupArchive
 * ensure|options|path|discard [--java PATH] [--jar PATH]} runs it by hand.
 */
public final class StartupArchive {
    /** {@code 0} turns the archive off (no options, no creation). */
    public static final String VARIABLE = "VOICE_STARTUP_ARCHIVE";
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    private StartupArchive() {
    }

    /**
     * The JVM options that make {@code java ... -jar jar serve} use the archive: empty when there is none (yet),
     * when it is incomplete, for a JDK older than 17, or when {@value #VARIABLE}=0. A few file reads, no process;
     * never throws.
     */
    public static List<String> jvmOptions(Path javaBin, Path jar) {
        try {
            if (disabled()) {
                return List.of();
            }
            Optional<Path> archive = ArchiveKey.archivePath(javaBin, jar);
            if (archive.isEmpty() || !ArchiveKey.isComplete(archive.get())) {
                return List.of();
            }
            return ArchiveKey.useOptions(ArchiveKey.jdk(javaBin).orElseThrow(), archive.get());
        } catch (RuntimeException | IOException e) {
            return List.of();
        }
    }

    /** Where the archive for this java and jar is (or would be); empty when this JDK cannot have one. */
    public static Optional<Path> archivePath(Path javaBin, Path jar) throws IOException {
        return ArchiveKey.archivePath(javaBin, jar);
    }

    /**
     * Makes sure a usable archive exists, creating it with a training run if needed, and answers it (empty when
     * this JDK cannot have one, creation failed, or another process is creating it and did not finish in time).
     * Blocks for the training run: a few seconds.
     */
    public static Optional<Path> ensureArchive(Path javaBin, Path jar, Duration timeout) {
        return disabled() ? Optional.empty() : ArchiveCreator.ensureArchive(javaBin, jar, timeout);
    }

    /**
     * Removes the archive for this java and jar (for instance when a broker started with it exited before its
     * readiness line); the next start runs without one, and a new one can be made.
     */
    public static void discard(Path javaBin, Path jar) {
        try {
            Optional<Path> archive = ArchiveKey.archivePath(javaBin, jar);
            if (archive.isPresent()) {
                ArchiveKey.discardScriptArgs(jar, archive.get());
                Files.deleteIfExists(ArchiveKey.marker(archive.get()));
                Files.deleteIfExists(archive.get());
            }
        } catch (IOException | RuntimeException e) {
            // nothing left to do
        }
    }

    /** With VOICE_STARTUP_ARCHIVE_DEBUG=1, the creation steps are traced on standard error. */
    static void trace(String step, long sinceNanos) {
        if ("1".equals(System.getenv(VARIABLE + "_DEBUG"))) {
            System.err.println("startup-archive: " + step + " after " + (System.nanoTime() - sinceNanos) / 1_000_000 + " ms");
        }
    }

    private static boolean disabled() {
        return "0".equals(System.getenv(VARIABLE));
    }

    /**
     * {@code ensure} (create if needed; prints the archive path, exit 1 if none), {@code options} (one JVM option
     * per line), {@code path}, {@code discard}; with {@code --java PATH} (default: this JVM's java), {@code --jar
     * PATH} (default: the jar this class runs from), {@code --delay-ms N} (ensure: wait first) and {@code
     * --timeout-s N}.
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        String command = args.length > 0 ? args[0] : "ensure";
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path jar = null;
        long delayMs = 0;
        Duration timeout = DEFAULT_TIMEOUT;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--java" -> java = Path.of(args[i + 1]);
                case "--jar" -> jar = Path.of(args[i + 1]).toAbsolutePath(); // the training run works in a directory of its own
                case "--delay-ms" -> delayMs = Long.parseLong(args[i + 1]);
                case "--timeout-s" -> timeout = Duration.ofSeconds(Long.parseLong(args[i + 1]));
                default -> {
                    System.err.println("startup-archive: unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (jar == null) {
            try {
                jar = Path.of(StartupArchive.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (Exception e) {
                System.err.println("startup-archive: pass --jar PATH");
                System.exit(2);
                return;
            }
        }
        switch (command.toLowerCase(Locale.ROOT)) {
            case "ensure" -> {
                if (delayMs > 0) {
                    Thread.sleep(delayMs);
                }
                Optional<Path> archive = ensureArchive(java, jar, timeout);
                archive.ifPresent(System.out::println);
                System.exit(archive.isPresent() ? 0 : 1);
            }
            case "options" -> jvmOptions(java, jar).forEach(System.out::println);
            case "path" -> archivePath(java, jar).ifPresent(System.out::println);
            case "discard" -> discard(java, jar);
            default -> {
                System.err.println("startup-archive: usage: ensure|options|path|discard [--java PATH] [--jar PATH]");
                System.exit(2);
            }
        }
    }
}
