package voicebroker.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import voicebroker.json.JsonTree;

/**
 * The runtime file: how the launcher and scripts find a running broker (pid, port, url, token, a salted
 * configuration fingerprint). It holds the token, so it lives in a 0700 directory with mode 0600, is written
 * atomically, and is removed when the broker stops.
 */
public final class RuntimeFile {

    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private RuntimeFile() {
    }

    /** Where the runtime file of the broker on {@code port} lives. */
    public static Path path(Path runtimeDir, int port) {
        return runtimeDir.resolve("broker-" + port + ".json");
    }

    /** Creates the directory 0700 if needed, and tightens it if it exists with wider permissions. */
    public static void ensurePrivateDir(Path dir) throws IOException {
        if (Files.isSymbolicLink(dir)) {
            throw new IOException("the runtime directory " + dir + " is a symbolic link; refusing to use it");
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
            } catch (FileAlreadyExistsException raced) {
                // another process made it first; fall through to the permission check
            }
        }
        if (!ownedByThisUser(dir)) {
            throw new IOException("the runtime directory " + dir + " belongs to another user, who could replace the "
                    + "runtime file; use a directory of your own");
        }
        if (!Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(DIR_MODE)) {
            Files.setPosixFilePermissions(dir, DIR_MODE);
        }
    }

    /** The directory's owner is this process's user ({@code /proc/self} is owned by the process's uid). */
    private static boolean ownedByThisUser(Path dir) throws IOException {
        Object dirUid = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Path self = Path.of("/proc/self");
        if (Files.exists(self)) {
            return dirUid.equals(Files.getAttribute(self, "unix:uid"));
        }
        return Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"));
    }

    /** Writes the file atomically: a 0600 temporary file beside it, then a rename over the old one. */
    public static void write(Path file, Map<String, Object> contents) throws IOException {
        ensurePrivateDir(file.getParent());
        Path temp = Files.createTempFile(file.getParent(), ".broker-", ".tmp", PosixFilePermissions.asFileAttribute(FILE_MODE));
        try {
            Files.write(temp, JsonTree.pretty(contents));
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    public static Optional<JsonNode> read(Path file) {
        try {
            return Optional.of(JsonTree.parse(Files.readString(file))).filter(JsonNode::isObject);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Removes the file only if it still describes {@code pid}: a newer broker's file is left alone. */
    public static void removeIfOwned(Path file, long pid) {
        read(file).filter(node -> node.path("pid").asLong() == pid).ifPresent(node -> {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // best effort at shutdown; a stale file is detected by pid later
            }
        });
    }
}
