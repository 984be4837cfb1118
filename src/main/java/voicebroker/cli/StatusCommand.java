package voicebroker.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import voicebroker.config.BrokerConfig;
import voicebroker.config.ConfigException;
import voicebroker.launcher.BrokerState;
import voicebroker.launcher.LaunchEnvironment;
import voicebroker.launcher.LaunchException;
import voicebroker.launcher.LaunchFiles;
import voicebroker.launcher.Launcher;
import voicebroker.launcher.RuntimeInfo;
import voicebroker.runtime.RuntimeFile;

/**
 * {@code voice status [--json]}: what runs on the configured port, and whether its configuration still matches
 * this environment. Never shows the token. Exit 0 running, 1 running but not answering, 2 configuration
 * problem, 3 not running.
 */
final class StatusCommand {

    private StatusCommand() {
    }

    static int run(String[] args) {
        Command.Options options;
        try {
            options = Command.parse(args, Set.of("--json"), Set.of());
        } catch (Command.UsageException e) {
            return Command.usageError("status", e);
        }
        boolean json = options.has("--json");
        LaunchEnvironment environment = LaunchEnvironment.current();
        Command.parseConfigAside(environment);
        Launcher launcher = new Launcher(environment, Command::progress);
        try {
            LaunchFiles files = launcher.files();
            BrokerState state = launcher.inspect();
            Optional<BrokerConfig> config = Command.configOrWarning(environment);
            if (state instanceof BrokerState.Running running) {
                return report(running.info(), files, config, json, true);
            }
            if (state instanceof BrokerState.Unresponsive unresponsive) {
                report(unresponsive.info(), files, config, json, false);
                return Command.EXIT_FAILED;
            }
            return notRunning(state, files, json);
        } catch (LaunchException e) {
            Command.configOrWarning(environment);
            return Command.fail(e, json);
        }
    }

    private static int report(RuntimeInfo info, LaunchFiles files, Optional<BrokerConfig> config, boolean json, boolean answering) {
        Optional<String> difference = config.flatMap(c -> info.difference(c, c.allowedOrigins()));
        String current = config.isEmpty() ? "unknown" : difference.isEmpty() ? "current" : "stale";
        if (json) {
            Command.printJson(jsonReport(info, files, current, answering));
            return Command.EXIT_OK;
        }
        Command.result("voice-broker " + (answering ? "running" : "NOT ANSWERING") + " at " + info.url());
        Command.result("  pid      " + info.pid());
        Command.result("  uptime   " + info.uptime().map(Command::human).orElse("unknown"));
        Command.result("  keyed    " + (info.keyed() ? "yes" : "no (mints answer no_key; set OPENAI_API_KEY and run './voice start')"));
        Command.result("  base     " + info.base());
        Command.result("  origins  " + String.join(", ", info.allowedOrigins()));
        List<String> beyond = beyondLoopback(info);
        if (!beyond.isEmpty()) {
            Command.result("  bind     UNSAFE: listening beyond loopback on " + String.join(", ", beyond)
                    + " (VOICE_UNSAFE_TEST_BIND, for tests only; unset it and VOICE_BIND, then './voice stop && ./voice start')");
        }
        Command.result("  log      " + files.log());
        Command.result("  runtime  " + files.runtimeFile());
        Command.result("  started  by " + info.startedBy());
        Command.result("  config   " + (config.isEmpty() ? "unknown (this environment's configuration has an error, see above)"
                : difference.map(d -> "stale: " + d + " ('./voice start' restarts it)").orElse("current (serves this environment)")));
        if (!answering) {
            Command.progress("the broker does not answer /api/health. Fix: ./voice stop && ./voice start");
        }
        return Command.EXIT_OK;
    }

    /** Addresses beyond loopback the broker listens on, from its runtime file. */
    private static List<String> beyondLoopback(RuntimeInfo info) {
        List<String> out = new java.util.ArrayList<>();
        RuntimeFile.read(info.file()).ifPresent(node -> node.path("beyond_loopback").forEach(address -> out.add(address.asText())));
        return out;
    }

    private static Map<String, Object> jsonReport(RuntimeInfo info, LaunchFiles files, String current, boolean answering) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ok", answering);
        body.put("running", true);
        body.put("answering", answering);
        body.put("pid", info.pid());
        body.put("url", info.url());
        body.put("started_at", info.startedAt().map(Object::toString).orElse(null));
        body.put("uptime_seconds", info.uptime().map(java.time.Duration::toSeconds).orElse(null));
        body.put("keyed", info.keyed());
        body.put("base", info.base());
        body.put("allowed_origins", info.allowedOrigins());
        body.put("beyond_loopback", beyondLoopback(info));
        body.put("log", files.log().toString());
        body.put("runtime_file", files.runtimeFile().toString());
        body.put("started_by", info.startedBy());
        body.put("config", current);
        return body;
    }

    private static int notRunning(BrokerState state, LaunchFiles files, boolean json) {
        String note = state instanceof BrokerState.Foreign foreign ? "; the port is held by " + foreign.holder()
                + " (free it, or set VOICE_PORT to a free port, before './voice start')"
                : state instanceof BrokerState.Stale stale ? "; a stale runtime file of pid " + stale.info().pid() + " is left ('./voice start' cleans it)"
                : "";
        if (json) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("ok", false);
            body.put("running", false);
            body.put("port", files.port());
            body.put("note", note.isEmpty() ? null : note.substring(2));
            Command.printJson(body);
        } else {
            Command.result("voice-broker is not running on port " + files.port() + note
                    + (state instanceof BrokerState.Foreign ? "." : ". Start it with './voice start'."));
        }
        return Command.EXIT_NOT_RUNNING;
    }
}
