package voicebroker.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import voicebroker.launcher.LaunchEnvironment;
import voicebroker.launcher.LaunchException;
import voicebroker.launcher.LaunchResult;
import voicebroker.launcher.Launcher;
import voicebroker.runtime.RuntimeFile;

/**
 * {@code voice start [--json [--with-token]]}: makes sure the broker runs in the background with the current
 * configuration (idempotent; restarts a broker whose configuration is stale). Exit 0 running, 1 it failed to
 * start, 2 configuration problem, 4 the port is held by another program.
 */
final class StartCommand {

    private StartCommand() {
    }

    static int run(String[] args) {
        Command.Options options;
        try {
            options = Command.parse(args, Set.of("--json", "--with-token"), Set.of());
            if (options.has("--with-token") && !options.has("--json")) {
                throw new Command.UsageException("--with-token only goes with --json (the token is never printed for humans)");
            }
        } catch (Command.UsageException e) {
            return Command.usageError("start", e);
        }
        boolean json = options.has("--json");
        try {
            LaunchResult result = new Launcher(LaunchEnvironment.current(), Command::progress).start();
            RuntimeFile.read(result.info().file()).map(node -> node.path("beyond_loopback")).filter(list -> !list.isEmpty())
                    .ifPresent(list -> Command.progress("WARNING: UNSAFE: the broker listens beyond loopback on " + list
                            + " (VOICE_UNSAFE_TEST_BIND, for tests only). Fix: unset VOICE_UNSAFE_TEST_BIND and VOICE_BIND, then "
                            + "'./voice stop && ./voice start'."));
            if (!result.info().keyed()) {
                Command.progress("warning: the broker has no OPENAI_API_KEY, so every mint answers no_key. Fix: set it in the "
                        + "environment or .env, then run './voice start' again.");
            }
            if (json) {
                Command.printJson(jsonResult(result, options.has("--with-token")));
            } else {
                Command.result(humanResult(result));
            }
            return Command.EXIT_OK;
        } catch (LaunchException e) {
            return Command.fail(e, json);
        }
    }

    private static String humanResult(LaunchResult result) {
        String where = " at " + result.info().url() + " (pid " + result.info().pid();
        if (result.already()) {
            return "voice-broker already running" + where + result.info().uptime().map(up -> ", up " + Command.human(up)).orElse("") + ")";
        }
        long ms = result.readyAfter().orElseThrow().toMillis();
        return "voice-broker running" + where + result.restartReason().map(reason -> ", restarted in " + ms + " ms: " + reason)
                .orElse(", started in " + ms + " ms") + ")";
    }

    static Map<String, Object> jsonResult(LaunchResult result, boolean withToken) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ok", true);
        body.put("url", result.info().url());
        body.put("pid", result.info().pid());
        body.put("already", result.already());
        body.put("restarted", result.restartReason().isPresent());
        body.put("keyed", result.info().keyed());
        body.put("ready_ms", result.readyAfter().map(java.time.Duration::toMillis).orElse(null));
        body.put("log", result.files().log().toString());
        body.put("runtime_file", result.files().runtimeFile().toString());
        if (withToken) {
            body.put("token", result.info().token());
        }
        return body;
    }
}
