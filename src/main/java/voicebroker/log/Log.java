package voicebroker.log;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
        String line = Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + level + " " + ControlChars.escape(Redactor.redact(message));
        sink.accept(line);
    }

    private static void toStandardError(String line) {
        StandardErrorLines.accept(line);
    }
}
