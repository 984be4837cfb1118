package voicebroker.launcher;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import voicebroker.log.Redactor;

/** The last lines of a log file, redacted, for a failure message ("the broker said: ..."). */
final class FileTail {
    private static final int MAX_BYTES = 8 * 1024;

    private FileTail() {
    }

    static List<String> lastLines(Path file, int count) {
        return lastLines(file, count, 0);
    }

    /** The last lines written after {@code fromOffset} (from the start if the file was rotated meanwhile). */
    static List<String> lastLines(Path file, int count, long fromOffset) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long from = fromOffset <= in.length() ? fromOffset : 0;
            long start = Math.max(from, in.length() - MAX_BYTES);
            byte[] bytes = new byte[(int) (in.length() - start)];
            in.seek(start);
            in.readFully(bytes);
            List<String> lines = Arrays.stream(new String(bytes, StandardCharsets.UTF_8).split("\\R"))
                    .filter(line -> !line.isBlank()).map(Redactor::redact).toList();
            return lines.subList(Math.max(0, lines.size() - count), lines.size());
        } catch (IOException e) {
            return List.of();
        }
    }

    static long size(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The lines joined for a message, or a note that there were none. */
    static String describe(List<String> lines) {
        return lines.isEmpty() ? "(it wrote nothing)" : String.join(" | ", lines);
    }
}
