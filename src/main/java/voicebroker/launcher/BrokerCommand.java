package voicebroker.launcher;

import java.net.URISyntaxException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import voicebroker.startup.StartupArchive;

/**
 * The child's fixed argument vector: {@code java [@<repo>/jvm/broker.args] -jar <jar> serve}. Nothing from the
 * environment, the configuration or a request ever goes into it (threat model rule 9): secrets travel by
 * environment only, and there is no shell to interpret anything.
 *
 * @param java     the java binary (VOICE_JAVA, else this JVM's)
 * @param jar      the broker jar: the jar this code runs from
 * @param argsFile the JVM options file beside the jar ({@code ../jvm/broker.args}), when present
 */
public record BrokerCommand(Path java, Path jar, Optional<Path> argsFile) {

    /** Finds the jar and options file from where this code was loaded. */
    public static BrokerCommand locate(LaunchEnvironment environment) throws LaunchException {
        Path jar = runningJar();
        Path argsFile = jar.toAbsolutePath().getParent().resolveSibling("jvm").resolve("broker.args");
        return new BrokerCommand(environment.javaBinary(), jar,
                Files.isRegularFile(argsFile) ? Optional.of(argsFile) : Optional.empty());
    }

    /** Checks what can be checked before spawning, so a bad VOICE_JAVA is one clear message. */
    public void checkRunnable() throws LaunchException {
        if (!Files.isRegularFile(java) || !Files.isExecutable(java)) {
            throw LaunchException.failed("the java binary " + java + " does not exist or is not executable.",
                    "unset VOICE_JAVA (this JVM's java is used then) or point it at the java of a JDK 17 or newer.");
        }
    }

    public List<String> argv() {
        List<String> argv = new ArrayList<>();
        argv.add(java.toString());
        argsFile.ifPresent(file -> argv.add("@" + file));
        // A complete start-up archive for this java and jar halves the broker's start; none is fine too.
        argv.addAll(StartupArchive.jvmOptions(java, jar));
        argv.add("-jar");
        argv.add(jar.toString());
        argv.add("serve");
        return List.copyOf(argv);
    }

    /**
     * The jar this code runs from. From a build's class directory (unit tests, an IDE), the packaged jar beside
     * it is used instead: the child must be started with {@code -jar}.
     */
    private static Path runningJar() throws LaunchException {
        Path location = codeLocation();
        if (Files.isRegularFile(location) && location.getFileName().toString().endsWith(".jar")) {
            return location;
        }
        Path packaged = location.resolveSibling(BrokerProcesses.JAR_NAME);
        if (Files.isRegularFile(packaged)) {
            return packaged;
        }
        throw LaunchException.failed("the broker jar was not found (looked at " + location + " and " + packaged + ").",
                "build it with 'mvn -B -Dmaven.test.skip=true package', or run the launcher through ./voice, which builds it.");
    }

    private static Path codeLocation() throws LaunchException {
        CodeSource source = BrokerCommand.class.getProtectionDomain().getCodeSource();
        if (source != null && source.getLocation() != null) {
            try {
                return Path.of(source.getLocation().toURI()).toAbsolutePath();
            } catch (URISyntaxException | IllegalArgumentException | FileSystemNotFoundException e) {
                // reported below
            }
        }
        throw LaunchException.failed("the launcher cannot tell where its jar is.", "run it as 'java -jar voice-broker.jar' or through ./voice.");
    }
}
