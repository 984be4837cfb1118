package voicebroker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import voicebroker.launcher.BrokerClient;
import voicebroker.launcher.BrokerState;
import voicebroker.launcher.LaunchEnvironment;
import voicebroker.launcher.LaunchException;
import voicebroker.launcher.Launcher;

/**
 * {@code voice mint [--voice V] [--mode M] [--json] [--show-secret]}: asks the running broker for a client
 * secret, exactly as the dashboard does (token from the runtime file, as a Bearer header). The human output
 * masks the {@code ek_} secret unless {@code --show-secret}; {@code --json} prints the broker's answer as is.
 * Exit 0 minted, 1 the broker refused (its code, message and hint are printed), 2 configuration or usage
 * problem, 3 no broker is running.
 */
final class MintCommand {

    private MintCommand() {
    }

    static int run(String[] args) {
        Command.Options options;
        try {
            options = Command.parse(args, Set.of("--json", "--show-secret"), Set.of("--voice", "--mode"));
        } catch (Command.UsageException e) {
            return Command.usageError("mint", e);
        }
        boolean json = options.has("--json");
        LaunchEnvironment environment = LaunchEnvironment.current();
        Command.parseConfigAside(environment);
        try {
            BrokerState state = new Launcher(environment, Command::progress).inspect();
            if (!(state instanceof BrokerState.Running running)) {
                Command.configOrWarning(environment);
                return notRunning(state, json);
            }
            BrokerClient.Answer answer = BrokerClient.mint(running.info(), fields(options));
            Command.configOrWarning(environment);
            if (json) {
                System.out.println(answer.body().toString());
            } else if (answer.ok()) {
                printMinted(answer.body(), options.has("--show-secret"));
            }
            if (!answer.ok()) {
                Command.progress("the broker refused the mint: " + answer.body().path("error").asText("?") + ": "
                        + answer.body().path("message").asText("") + " Fix: " + answer.body().path("hint").asText(""));
                return Command.EXIT_FAILED;
            }
            return Command.EXIT_OK;
        } catch (LaunchException e) {
            Command.configOrWarning(environment);
            return Command.fail(e, json);
        }
    }

    private static Map<String, String> fields(Command.Options options) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (options.value("--voice") != null) {
            fields.put("voice", options.value("--voice"));
        }
        if (options.value("--mode") != null) {
            fields.put("mode", options.value("--mode"));
        }
        return fields;
    }

    /** Printed directly, not through the redactor: with --show-secret the secret is what the user asked for. */
    private static void printMinted(JsonNode body, boolean showSecret) {
        String value = body.path("value").asText("");
        long expiresAt = body.path("expires_at").asLong(0);
        JsonNode configured = body.path("configured");
        System.out.println("client secret  " + (showSecret ? value : masked(value)));
        System.out.println("expires        " + (expiresAt > 0 ? Instant.ofEpochSecond(expiresAt) + " (in "
                + Command.human(java.time.Duration.ofSeconds(expiresAt - Instant.now().getEpochSecond())) + ")" : "unknown"));
        System.out.println("model          " + body.path("model").asText(""));
        System.out.println("mode           " + configured.path("mode").asText(""));
        System.out.println("voice          " + configured.path("voice").asText("(template default)"));
        System.out.println("calls url      " + body.path("calls_url").asText(""));
    }

    /** {@code ek_****wxyz}: the prefix and last four characters, never enough to use. */
    static String masked(String secret) {
        if (secret.length() < 16) {
            return "****";
        }
        return secret.substring(0, 3) + "****" + secret.substring(secret.length() - 4);
    }

    private static int notRunning(BrokerState state, boolean json) {
        String message = state instanceof BrokerState.Unresponsive unresponsive
                ? "voice-broker (pid " + unresponsive.info().pid() + ") does not answer. Fix: ./voice stop && ./voice start"
                : "voice-broker is not running. Fix: start it with './voice start'.";
        if (json) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", "not_running");
            body.put("message", message);
            Command.printJson(body);
        }
        System.err.println("voice: " + message);
        return state instanceof BrokerState.Unresponsive ? Command.EXIT_FAILED : Command.EXIT_NOT_RUNNING;
    }
}
