package voicebroker.cli;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import voicebroker.config.BrokerConfig;
import voicebroker.config.ConfigException;
import voicebroker.json.JsonTree;
import voicebroker.launcher.LaunchEnvironment;
import voicebroker.launcher.LaunchException;
import voicebroker.log.Redactor;

/**
 * What the launcher commands share: option parsing, exit codes, and the two output channels (progress and
 * errors on stderr, the result on stdout, so {@code --json} output can be piped). Human text is redacted on
 * the way out; JSON is printed as built, and only {@code --with-token} ever puts the token in it.
 */
final class Command {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = Main.EXIT_CONFIG;
    static final int EXIT_NOT_RUNNING = 3;

    private Command() {
    }

    /** Parsed options: flags present, and values of options that take one. */
    record Options(Set<String> flags, Map<String, String> values) {
        boolean has(String flag) {
            return flags.contains(flag);
        }

        String value(String option) {
            return values.get(option);
        }
    }

    /** A wrong option: printed with the command's usage, exit 2. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message, null, false, false);
        }
    }

    static Options parse(String[] args, Set<String> flags, Set<String> valued) throws UsageException {
        Set<String> seen = new HashSet<>();
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (flags.contains(arg)) {
                seen.add(arg);
            } else if (valued.contains(arg) && i + 1 < args.length) {
                values.put(arg, args[++i]);
            } else {
                throw new UsageException(valued.contains(arg) ? arg + " needs a value" : "unknown option '" + Redactor.redact(arg) + "'");
            }
        }
        return new Options(seen, values);
    }

    static int usageError(String command, UsageException e) {
        System.err.println("voice " + command + ": " + e.getMessage() + ". Fix: see './voice help'.");
        return EXIT_USAGE;
    }

    /** One progress line on stderr. */
    static void progress(String line) {
        System.err.println("voice: " + Redactor.redact(line));
    }

    /**
     * Starts parsing the environment's configuration on a second thread. Stop, status and mint find the broker
     * with VOICE_PORT and VOICE_RUNTIME_DIR alone; the full parse (session templates, a generated token, an IPv6
     * probe) costs as much as the rest of the command, so it runs beside the search instead of before it.
     * {@link #configOrWarning} then takes the parsed result (the environment parses once and remembers).
     */
    static void parseConfigAside(LaunchEnvironment environment) {
        Thread parse = new Thread(environment::configProblem, "config-parse");
        parse.setDaemon(true);
        parse.start();
    }

    /**
     * The environment's configuration, or a warning on stderr naming its problem: stop, status and mint act on
     * the broker that runs, which does not depend on what the current environment would start.
     */
    static Optional<BrokerConfig> configOrWarning(LaunchEnvironment environment) {
        Optional<ConfigException> problem = environment.configProblem();
        problem.ifPresent(e -> progress("warning: this environment's configuration has an error (" + e.getMessage()
                + "); './voice start' would fail, but the running broker is unaffected."));
        return problem.isPresent() ? Optional.empty() : Optional.of(environment.config());
    }

    /** The human result on stdout. */
    static void result(String line) {
        System.out.println(Redactor.redact(line));
    }

    static void printJson(Object value) {
        System.out.println(JsonTree.text(value));
    }

    /** The failure as one line naming the fix on stderr (and as JSON on stdout with --json); its exit code. */
    static int fail(LaunchException e, boolean json) {
        System.err.println("voice: " + e.code() + ": " + e.getMessage() + " Fix: " + e.hint());
        if (json) {
            Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("ok", false);
            body.putAll(e.body());
            printJson(body);
        }
        return e.exitCode();
    }

    /** "3m 12s", "2h 5m", "40s". */
    static String human(Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        if (seconds >= 3600) {
            return seconds / 3600 + "h " + seconds % 3600 / 60 + "m";
        }
        return seconds >= 60 ? seconds / 60 + "m " + seconds % 60 + "s" : seconds + "s";
    }
}
