package voicebroker.cli;

import java.util.Set;
import voicebroker.launcher.LaunchEnvironment;
import voicebroker.launcher.LaunchException;
import voicebroker.launcher.Launcher;
import voicebroker.launcher.StopResult;

/**
 * {@code voice stop}: stops the broker on the configured port (only after its command line proves the pid is
 * a broker) and cleans its runtime file. "Not running" is success. Exit 0 stopped or not running, 1 it could
 * not be stopped, 2 configuration problem.
 */
final class StopCommand {

    private StopCommand() {
    }

    static int run(String[] args) {
        try {
            Command.parse(args, Set.of(), Set.of());
        } catch (Command.UsageException e) {
            return Command.usageError("stop", e);
        }
        LaunchEnvironment environment = LaunchEnvironment.current();
        Command.parseConfigAside(environment);
        Launcher launcher = new Launcher(environment, Command::progress);
        try {
            int port = launcher.files().port();
            StopResult result = launcher.stop();
            Command.configOrWarning(environment);
            if (result.stoppedPid().isPresent()) {
                Command.result("voice-broker stopped (pid " + result.stoppedPid().get() + ", port " + port + ")");
            } else {
                Command.result("voice-broker is not running on port " + port
                        + (result.staleFileRemoved() ? " (removed a stale runtime file)" : "")
                        + result.foreignHolder().map(holder -> "; the port is held by " + holder + ", which was left alone").orElse(""));
            }
            return Command.EXIT_OK;
        } catch (LaunchException e) {
            Command.configOrWarning(environment);
            return Command.fail(e, false);
        }
    }
}
