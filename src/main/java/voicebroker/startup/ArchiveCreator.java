package voicebroker.startup;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import voicebroker.startup.ArchiveKey.Jdk;

/**
 * Makes an archive: one creator at a time (a lock file beside the jar), a {@link TrainingRun} recording under a
 * temporary name, a check that the JVM maps the result with sharing required, then a rename into place and the
 * size marker, and finally the argument file for the {@code voice} script. Anything failing on the way means no
 * archive, never a broken one.
 */
final class ArchiveCreator {
    private static final String LOCK_FILE = ".voice-broker-archive.lock";

    private ArchiveCreator() {
    }

    /**
     * Makes sure a usable archive exists, creating it with a training run if needed, and answers it (empty when
     * this JDK cannot have one, creation failed, or another process is creating it and did not finish in time).
     * Blocks for the training run: a few seconds.
     */
    static Optional<Path> ensureArchive(Path javaBin, Path jar, Duration timeout) {
        try {
            Optional<Path> archive = ArchiveKey.archivePath(javaBin, jar);
            if (archive.isEmpty()) {
                return Optional.empty();
            }
            Jdk jdk = ArchiveKey.jdk(javaBin).orElseThrow();
            if (ArchiveKey.isComplete(archive.get())) {
                ArchiveKey.writeScriptArgs(jdk, jar, archive.get()); // the script may not know it yet
                return archive;
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            try (FileChannel channel = FileChannel.open(archive.get().resolveSibling(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                FileLock lock = null;
                while (lock == null) {
                    try {
                        lock = channel.tryLock();
                    } catch (OverlappingFileLockException sameJvm) {
                        lock = null;
                    }
                    if (lock == null) {
                        if (System.nanoTime() > deadline) {
                            return Optional.empty();
                        }
                        Thread.sleep(100);
                    }
                }
                try {
                    if (!ArchiveKey.isComplete(archive.get())) {
                        create(jdk, jar, archive.get(), deadline);
                    }
                } finally {
                    lock.release();
                }
            }
            return ArchiveKey.isComplete(archive.get()) ? archive : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static void create(Jdk jdk, Path jar, Path archive, long deadline) throws IOException, InterruptedException {
        Path dir = archive.getParent();
        String stem = "." + archive.getFileName() + "." + ProcessHandle.current().pid();
        Path temp = dir.resolve(stem + ".tmp");
        Path config = dir.resolve(stem + ".aotconf");
        try {
            List<String> base = baseOptions(jar);
            if (jdk.usesAotCache()) {
                List<String> record = new ArrayList<>(base);
                record.addAll(List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + config));
                if (!TrainingRun.train(jdk, jar, record, deadline) || !Files.isRegularFile(config)) {
                    return;
                }
                List<String> createCommand = new ArrayList<>(List.of(jdk.java().toString()));
                createCommand.addAll(base);
                createCommand.addAll(List.of("-XX:AOTMode=create", "-XX:AOTConfiguration=" + config,
                        "-XX:AOTCache=" + temp, "-cp", jar.toString()));
                long creating = System.nanoTime();
                if (runQuietly(createCommand, deadline) != 0) {
                    StartupArchive.trace("AOT cache creation failed", creating);
                    return;
                }
                StartupArchive.trace("AOT cache created", creating);
            } else {
                List<String> record = new ArrayList<>(base);
                record.add("-XX:ArchiveClassesAtExit=" + temp);
                if (!TrainingRun.train(jdk, jar, record, deadline)) {
                    return;
                }
            }
            long checking = System.nanoTime();
            if (!Files.isRegularFile(temp) || Files.size(temp) == 0 || !verify(jdk, jar, base, temp, deadline)) {
                StartupArchive.trace("archive missing or refused by the JVM", checking);
                return;
            }
            StartupArchive.trace("archive checked", checking);
            ArchiveKey.move(temp, archive);
            Path markerTemp = dir.resolve(stem + ".ok.tmp");
            Files.writeString(markerTemp, Long.toString(Files.size(archive)) + "\n", StandardCharsets.US_ASCII);
            ArchiveKey.move(markerTemp, ArchiveKey.marker(archive));
            removeStale(dir, jar, archive);
            ArchiveKey.writeScriptArgs(jdk, jar, archive);
        } finally {
            Files.deleteIfExists(temp);
            Files.deleteIfExists(config);
            Files.deleteIfExists(dir.resolve(stem + ".ok.tmp"));
        }
    }

    /** The options the broker runs with: {@code @jvm/broker.args} when present (the training must match them). */
    private static List<String> baseOptions(Path jar) {
        Path args = ArchiveKey.argsFile(jar);
        return Files.isRegularFile(args) ? List.of("@" + args) : List.of();
    }

    /** Maps the new archive with sharing required: a file the JVM cannot use fails here, not in a broker. */
    private static boolean verify(Jdk jdk, Path jar, List<String> base, Path archive, long deadline)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(jdk.java().toString()));
        command.addAll(base);
        if (jdk.usesAotCache()) {
            command.addAll(List.of("-XX:AOTCache=" + archive, "-XX:AOTMode=on"));
        } else {
            command.addAll(List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:on"));
        }
        command.addAll(List.of("-jar", jar.toString(), "help"));
        return runQuietly(command, deadline) == 0;
    }


    /** Deletes archives made for an older jar: their key can never match again. */
    private static void removeStale(Path dir, Path jar, Path keep) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, ArchiveKey.PREFIX + "*")) {
            long jarTime = Files.getLastModifiedTime(jar).toMillis();
            for (Path file : files) {
                String name = file.getFileName().toString();
                boolean archiveFile = name.endsWith(".jsa") || name.endsWith(".aot")
                        || name.endsWith(".jsa" + ArchiveKey.OK_SUFFIX) || name.endsWith(".aot" + ArchiveKey.OK_SUFFIX);
                if (archiveFile && !file.equals(keep) && !file.equals(ArchiveKey.marker(keep))
                        && Files.getLastModifiedTime(file).toMillis() < jarTime) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException | RuntimeException e) {
            // stale files only cost disk space
        }
        removeAbandoned(dir);
    }

    /**
     * Deletes the temporary files of creators that were killed before they could clean up: each is named
     * {@code .<archive>.<pid>.<suffix>}, and a pid that no longer runs will never finish its file.
     */
    private static void removeAbandoned(Path dir) {
        Pattern temp = Pattern.compile("\\." + Pattern.quote(ArchiveKey.PREFIX) + ".*\\.(\\d+)\\.(tmp|aotconf|ok\\.tmp)");
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "." + ArchiveKey.PREFIX + "*")) {
            for (Path file : files) {
                Matcher match = temp.matcher(file.getFileName().toString());
                if (match.matches() && ProcessHandle.of(Long.parseLong(match.group(1))).filter(ProcessHandle::isAlive).isEmpty()) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException | RuntimeException e) {
            // abandoned files only cost disk space
        }
    }

    static int runQuietly(List<String> command, long deadline) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectInput(Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD).start();
        if (!process.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            return -1;
        }
        return process.exitValue();
    }

}
