package voicebroker.startup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The one owner of the archive's name and of the options that use it. The file lives beside the jar
 * ({@code target/voice-broker-jdk<N>-<key>.aot|.jsa}); its key is a hash of the java binary's real path, its
 * {@code JAVA_RUNTIME_VERSION} (from {@code <java.home>/release}), the jar's size and modification time
 * (seconds) and the content of {@code jvm/broker.args}, so a rebuilt jar, another JDK or new flags simply look
 * for another file and a stale archive is never used.
 *
 * <p>The {@code voice} script does not compute the key: once an archive is complete, {@link #writeScriptArgs}
 * leaves an argument file beside the jar ({@value #SCRIPT_ARGS}) that names the java it was made for and holds
 * the options; the script passes it as {@code @file} when it is newer than the jar and {@code jvm/broker.args}.
 */
final class ArchiveKey {
    static final String PREFIX = "voice-broker-jdk";
    static final String OK_SUFFIX = ".ok";
    /** The argument file the {@code voice} script reads, beside the jar. */
    static final String SCRIPT_ARGS = "voice-broker-startup.args";

    private ArchiveKey() {
    }

    /** The JDK a java binary belongs to, read from its {@code release} file (no process is started). */
    record Jdk(Path java, Path home, int feature, String runtimeVersion) {
        boolean usesAotCache() {
            return feature >= 25;
        }

        String extension() {
            return usesAotCache() ? ".aot" : ".jsa";
        }
    }

    /** Where the archive for this java and jar is (or would be); empty when this JDK cannot have one. */
    static Optional<Path> archivePath(Path javaBin, Path jar) throws IOException {
        Optional<Jdk> jdk = jdk(javaBin);
        if (jdk.isEmpty() || jdk.get().feature() < 17 || !Files.isRegularFile(jar)) {
            return Optional.empty();
        }
        String key = sha256(keyText(jdk.get(), jar).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        return Optional.of(jar.toAbsolutePath().getParent().resolve(PREFIX + jdk.get().feature() + "-" + key + jdk.get().extension()));
    }

    /** What the archive's name hashes. */
    static String keyText(Jdk jdk, Path jar) throws IOException {
        Path argsFile = argsFile(jar);
        String args = Files.isRegularFile(argsFile) ? Files.readString(argsFile, StandardCharsets.UTF_8) : "";
        return jdk.java() + "\n" + jdk.runtimeVersion() + "\n" + Files.size(jar) + "\n"
                + Files.getLastModifiedTime(jar).to(TimeUnit.SECONDS) + "\n" + args;
    }

    /** {@code <repo>/jvm/broker.args} for {@code <repo>/target/voice-broker.jar}, as the launcher uses it. */
    static Path argsFile(Path jar) {
        return jar.toAbsolutePath().getParent().resolveSibling("jvm").resolve("broker.args");
    }

    /** The JDK of a java binary, from {@code <home>/release}; empty when that file is missing or odd. */
    static Optional<Jdk> jdk(Path javaBin) {
        try {
            Path java = javaBin.toRealPath();
            Path home = java.getParent().getParent();
            Path release = home.resolve("release");
            if (!Files.isRegularFile(release)) {
                return Optional.empty();
            }
            String version = null;
            String runtimeVersion = null;
            for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    version = unquote(line.substring("JAVA_VERSION=".length()));
                } else if (line.startsWith("JAVA_RUNTIME_VERSION=")) {
                    runtimeVersion = unquote(line.substring("JAVA_RUNTIME_VERSION=".length()));
                }
            }
            if (version == null || !version.matches("\\d+([.+-].*)?")) {
                return Optional.empty();
            }
            int feature = Integer.parseInt(version.split("[.+-]", 2)[0]);
            return Optional.of(new Jdk(java, home, feature, runtimeVersion != null ? runtimeVersion : version));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String unquote(String value) {
        String v = value.strip();
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    static Path marker(Path archive) {
        return archive.resolveSibling(archive.getFileName() + OK_SUFFIX);
    }

    /** True when the archive exists and its marker holds its exact size (so it was finished and checked). */
    static boolean isComplete(Path archive) {
        try {
            Path marker = marker(archive);
            if (!Files.isRegularFile(archive) || !Files.isRegularFile(marker)) {
                return false;
            }
            return Files.readString(marker, StandardCharsets.US_ASCII).strip().equals(Long.toString(Files.size(archive)));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The JVM options that map {@code archive}. */
    static List<String> useOptions(Jdk jdk, Path archive) {
        if (jdk.usesAotCache()) {
            return List.of("-XX:AOTCache=" + archive);
        }
        return List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto");
    }

    /** The argument file for the {@code voice} script, beside the jar. */
    static Path scriptArgs(Path jar) {
        return jar.toAbsolutePath().getParent().resolve(SCRIPT_ARGS);
    }

    /**
     * Writes (atomically) the argument file that lets the {@code voice} script use a complete {@code archive}:
     * a first comment line naming the java it was made for, then one option per line.
     */
    static void writeScriptArgs(Jdk jdk, Path jar, Path archive) throws IOException {
        Path file = scriptArgs(jar);
        Path temp = file.resolveSibling("." + SCRIPT_ARGS + "." + ProcessHandle.current().pid() + ".tmp");
        Files.writeString(temp, "# java " + jdk.java() + "\n" + String.join("\n", useOptions(jdk, archive)) + "\n", StandardCharsets.UTF_8);
        move(temp, file);
    }

    /** Removes the script's argument file if it names {@code archive}. */
    static void discardScriptArgs(Path jar, Path archive) throws IOException {
        Path file = scriptArgs(jar);
        if (Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).contains(archive.toString())) {
            Files.deleteIfExists(file);
        }
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
