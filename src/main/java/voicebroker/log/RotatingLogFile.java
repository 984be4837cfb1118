package voicebroker.log;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A log file with a size cap: when the next line would pass the cap, the file becomes {@code <name>.1}
 * (replacing an older one) and a fresh file starts, so a broker left running for weeks holds at most two caps
 * of disk. Whole lines only: a line is never split across the two files. Created 0600, like every file the
 * broker keeps in its runtime directory.
 */
final class RotatingLogFile {
    private final Path file;
    private final Path previous;
    private final long maxBytes;
    private OutputStream out;
    private long size;

    private RotatingLogFile(Path file, long maxBytes) {
        this.file = file;
        this.previous = file.resolveSibling(file.getFileName() + ".1");
        this.maxBytes = maxBytes;
    }

    /** Opens (appending to) the file, creating it 0600 if needed; fails if the file cannot be written. */
    static RotatingLogFile open(Path file, long maxBytes) throws IOException {
        RotatingLogFile log = new RotatingLogFile(file, maxBytes);
        log.openCurrent();
        return log;
    }

    /** Appends one line; a failing disk must not take the broker down, so errors fall back to stderr. */
    synchronized void append(String line) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            if (size > 0 && size + bytes.length > maxBytes) {
                rotate();
            }
            out.write(bytes);
            out.flush();
            size += bytes.length;
        } catch (IOException e) {
            System.err.println(line);
        }
    }

    private void rotate() throws IOException {
        out.close();
        Files.move(file, previous, StandardCopyOption.REPLACE_EXISTING);
        openCurrent();
    }

    private void openCurrent() throws IOException {
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        out = Files.newOutputStream(file, StandardOpenOption.APPEND);
        size = Files.size(file);
    }
}
