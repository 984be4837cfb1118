package voicebroker.log;

import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The broker's only logger: one line per event on standard error, every line redacted first. Kept tiny on
 * purpose: a sidecar needs timestamps and levels, not a logging framework, and one choke point makes the
 * "key never in logs" rule easy to prove.
 */
public final class Log {
    private static volatile PrintStream out = System.err;
    private static volatile boolean debug;

    private Log() {
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
        String line = Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + level + " " + Redactor.redact(message);
        PrintStream target = out;
        synchronized (target) {
            target.println(line);
        }
    }
}
