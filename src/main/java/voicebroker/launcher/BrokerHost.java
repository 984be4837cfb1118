package voicebroker.launcher;

import java.time.Duration;

/**
 * Where a new broker runs once the launcher decided to start one: a background child process that outlives
 * the launcher ({@code voice start}), or this very process ({@link InProcessBroker}: a dev server's warm
 * launcher, whose JVM is already up, so the broker serves within milliseconds and ends with the dev server).
 */
public interface BrokerHost {

    /** Starts a broker for {@code environment} on the files' port and returns once it is ready. */
    Ready start(LaunchEnvironment environment, LaunchFiles files, Duration timeout) throws LaunchException;

    /** A started broker: its pid (the runtime file must name the same) and how long it took to be ready. */
    record Ready(long pid, Duration readyAfter) {
    }

    /** {@code voice serve} as a background child, ready when it prints its readiness line. */
    static BrokerHost childProcess() {
        return (environment, files, timeout) -> {
            BrokerCommand command = BrokerCommand.locate(environment);
            command.checkRunnable();
            BrokerSpawner.Spawned spawned = BrokerSpawner.spawn(command, environment, files, timeout);
            return new Ready(spawned.pid(), spawned.readyAfter());
        };
    }
}
