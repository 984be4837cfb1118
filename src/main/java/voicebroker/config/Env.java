package voicebroker.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Typed reads of environment variables, with one way to spell each kind of value: a value is stripped, an
 * empty value counts as unset, lists are comma-separated, flags are {@code 1}/{@code true}/{@code yes}, and a
 * number out of its range is a {@link ConfigException} carrying the code the caller chose. The broker's
 * {@link ConfigLoader} and the launcher read their variables through this class, so both parse alike.
 */
public record Env(Map<String, String> variables) {

    public Env {
        variables = Map.copyOf(variables);
    }

    /** The stripped value, or {@code ""} when unset. */
    public String text(String name) {
        return text(name, "");
    }

    /** The stripped value, or {@code fallback} when unset or blank. */
    public String text(String name, String fallback) {
        String value = variables.getOrDefault(name, "").strip();
        return value.isEmpty() ? fallback : value;
    }

    public boolean isSet(String name) {
        return !text(name).isEmpty();
    }

    /** {@code 1}, {@code true} or {@code yes} in any case; anything else, or unset, is off. */
    public boolean flag(String name) {
        String raw = text(name).toLowerCase(Locale.ROOT);
        return raw.equals("1") || raw.equals("true") || raw.equals("yes");
    }

    /** The comma-separated entries, stripped, empty ones dropped; {@code fallback} is used when the variable is blank. */
    public List<String> list(String name, String fallback) {
        List<String> entries = new ArrayList<>();
        for (String entry : text(name, fallback).split(",")) { // a loop, not a stream: it runs on the way to readiness
            String stripped = entry.strip();
            if (!stripped.isEmpty()) {
                entries.add(stripped);
            }
        }
        return List.copyOf(entries);
    }

    /**
     * A whole number from {@code min} to {@code max}; {@code fallback} when unset. Anything else is refused with
     * {@code errorCode} and a message naming the range and the default ({@code what} is the kind of number, e.g.
     * "a TCP port"): "out of range" alone would send the user to the docs.
     */
    public int integer(String name, int fallback, int min, int max, String errorCode, String what) {
        String expected = what + " from " + min + " to " + max;
        String raw = text(name);
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(errorCode, name, "'" + raw + "' is not " + expected + ".",
                "set it to " + expected + ", or unset it (default " + fallback + ").");
    }

    /** A number of seconds read by {@link #integer}. */
    public Duration seconds(String name, Duration fallback, int minSeconds, int maxSeconds, String errorCode) {
        return Duration.ofSeconds(integer(name, (int) fallback.toSeconds(), minSeconds, maxSeconds, errorCode, "a number of seconds"));
    }
}
