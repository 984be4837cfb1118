package voicebroker.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import voicebroker.runtime.RuntimeFile;

/**
 * Where the launcher keeps the files of the broker on one port, all in the private runtime directory beside
 * the runtime file: the broker's own log (written by the broker, capped and rotated), the child's raw standard
 * error (start-up failures and JVM messages, truncated at each start) and the lock that serializes starts.
 */
public record LaunchFiles(Path runtimeDir, int port) {

    public Path runtimeFile() {
        return RuntimeFile.path(runtimeDir, port);
    }

    /** The broker's log: written by the broker itself, so it outlives the launcher. */
    public Path log() {
        return runtimeDir.resolve("broker-" + port + ".log");
    }

    /** The child's standard error: only what comes before its log is open, and JVM-level failures. */
    public Path stderr() {
        return runtimeDir.resolve("broker-" + port + ".stderr");
    }

    public Path lock() {
        return runtimeDir.resolve("broker-" + port + ".lock");
    }

    /** Creates the runtime directory 0700 (or tightens it); fails with an actionable error. */
    public void ensureRuntimeDir() throws LaunchException {
        try {
            RuntimeFile.ensurePrivateDir(runtimeDir);
        } catch (IOException | UnsupportedOperationException e) {
            throw LaunchException.runtimeDir(runtimeDir, e);
        }
    }

    /**
     * Makes sure a file exists with mode 0600 before a redirect opens it: a redirect would create it with the
     * umask's mode, and the stderr file may carry start-up messages.
     */
    static void createPrivateFile(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
    }
}
