package voicebroker.log;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * The broker's only logger: one line per event on standard error, every line redacted and its control
 * characters escaped first, so a request cannot forge a line or drive the terminal that shows the log. Kept tiny on
 * purpose: a sidecar needs timestamps and levels, not a logging framework, and one choke point makes the
 * "key never in logs" rule easy to prove. A broker started in the background by the launcher logs to a
 * size-capped file instead ({@link #toFile}), because nobody reads its standard error once the launcher exits.
 */
public final class Log {
    private static volatile Consumer<String> sink = Log::toStandardError;
    private static volatile boolean debug;
    private static volatile Second second = new Second(Long.MIN_VALUE, "");

    private Log() {
    }

    /** From now on, lines go to {@code file} (capped at {@code maxBytes}, one older {@code .1} kept). */
    public static void toFile(Path file, long maxBytes) throws IOException {
        sink = RotatingLogFile.open(file, maxBytes)::append;
    }

    /** Back to standard error (the default). */
    public static void toStandardError() {
        sink = Log::toStandardError;
    }

    public static void setDebug(boolean enabled) {
        debug = enabled;
    }

    public static void info(String message) {
        write("INFO", message);
    }

    public static void warn(String message) {
        write("WARN", message);
    }

    public static void error(String message) {
        write("ERROR", message);
    }

    public static void debug(String message) {
        if (debug) {
            write("DEBUG", message);
        }
    }

    private static void write(String level, String message) {
        // Redacted first (a secret must not survive as escapes), then every control character made visible.
        String line = timestamp(System.currentTimeMillis()) + " " + level + " " + ControlChars.escape(Redactor.redact(message));
        sink.accept(line);
    }

    /**
     * ISO-8601 in UTC to the millisecond, such as {@code 2026-12-02T03:16:08.406Z}. The date and time up to the second
     * are formatted once a second, not for every line: the access log writes one line per request.
     */
    static String timestamp(long epochMillis) {
        long epochSecond = Math.floorDiv(epochMillis, 1000);
        Second current = second;
        if (current.epochSecond() != epochSecond) {
            String whole = Instant.ofEpochSecond(epochSecond).toString(); // ends in "Z", no fraction
            current = new Second(epochSecond, whole.substring(0, whole.length() - 1));
            second = current;
        }
        int millis = (int) Math.floorMod(epochMillis, 1000);
        return current.text() + '.' + (char) ('0' + millis / 100) + (char) ('0' + millis / 10 % 10) + (char) ('0' + millis % 10) + 'Z';
    }

    private record Second(long epochSecond, String text) {
    }

    private static void toStandardError(String line) {
        StandardErrorLines.accept(line);
    }
}
