package voicebroker.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import voicebroker.config.BrokerConfig;
import voicebroker.config.ConfigException;
import voicebroker.runtime.RuntimeFile;

/**
 * Starts and stops the background broker for the configured port, the same way for {@code voice start},
 * {@code voice stop} and {@code /__start_voice}. Every decision is taken under the launch lock, from the
 * runtime file, the process table and the port, so concurrent starts end with exactly one broker, a broker
 * with a stale configuration is restarted, a stale file is cleaned up, and a port held by another program is
 * an error, never mistaken for success (defect 10 of the old sidecar).
 */
public final class Launcher {
    private final LaunchEnvironment environment;
    private final Consumer<String> progress;

    /** @param progress receives one human line per step (the CLI prints them on stderr) */
    public Launcher(LaunchEnvironment environment, Consumer<String> progress) {
        this.environment = environment;
        this.progress = progress;
    }

    /** The files of the configured port. */
    public LaunchFiles files() throws LaunchException {
        BrokerConfig config = config();
        return new LaunchFiles(config.runtimeDir(), config.port());
    }

    /** What holds the configured port now; looks only, never changes anything. */
    public BrokerState inspect() throws LaunchException {
        return BrokerInspector.inspect(files());
    }

    /** Makes sure one broker with the current configuration runs, starting or restarting it as needed. */
    @SuppressWarnings("try") // the lock is held for the whole block, not used in it
    public LaunchResult start() throws LaunchException {
        BrokerConfig config = config();
        Duration timeout = startTimeout();
        LaunchFiles files = files();
        files.ensureRuntimeDir();
        BrokerCommand command = BrokerCommand.locate(environment);
        command.checkRunnable();
        try (LaunchLock lock = LaunchLock.acquire(files.lock(), progress)) {
            BrokerState state = BrokerInspector.inspect(files);
            if (state instanceof BrokerState.Running running && running.info().matches(config)) {
                return LaunchResult.already(running.info(), files);
            }
            Optional<String> restartReason = clearTheWay(state, files);
            progress.accept("starting voice-broker on port " + files.port() + "...");
            BrokerSpawner.Spawned spawned = BrokerSpawner.spawn(command, environment, files, timeout);
            RuntimeInfo info = RuntimeInfo.read(files.runtimeFile()).filter(written -> written.pid() == spawned.pid())
                    .orElseThrow(() -> LaunchException.failed("the broker (pid " + spawned.pid() + ") is ready but its runtime file "
                            + files.runtimeFile() + " is missing or belongs to another process.", "run './voice stop', then start again."));
            return LaunchResult.started(info, files, spawned.readyAfter(), restartReason);
        }
    }

    /** Stops the broker on the configured port, if ours runs; cleans a stale runtime file. */
    @SuppressWarnings("try") // the lock is held for the whole block, not used in it
    public StopResult stop() throws LaunchException {
        LaunchFiles files = files();
        if (!Files.isDirectory(files.runtimeDir())) {
            // Nothing was ever started with this runtime directory: do not create it just to say so.
            return nothingToStop(BrokerInspector.inspect(files));
        }
        files.ensureRuntimeDir();
        try (LaunchLock lock = LaunchLock.acquire(files.lock(), progress)) {
            BrokerState state = BrokerInspector.inspect(files);
            if (state instanceof BrokerState.Running running) {
                return stopped(running.info());
            }
            if (state instanceof BrokerState.Unresponsive unresponsive) {
                return stopped(unresponsive.info());
            }
            if (state instanceof BrokerState.Stale stale) {
                removeStaleFile(stale.info());
            }
            return nothingToStop(state);
        }
    }

    private static StopResult nothingToStop(BrokerState state) {
        return new StopResult(Optional.empty(), state instanceof BrokerState.Stale,
                state instanceof BrokerState.Foreign foreign ? Optional.of(foreign.holder()) : Optional.empty());
    }

    /** Gets the port ready for a new broker; answers why an older one was stopped, if one was. */
    private Optional<String> clearTheWay(BrokerState state, LaunchFiles files) throws LaunchException {
        Optional<String> reason = Optional.empty();
        if (state instanceof BrokerState.Running running) {
            progress.accept("configuration changed: restarting voice-broker (pid " + running.info().pid() + ")");
            stopBroker(running.info());
            reason = Optional.of("configuration changed");
        } else if (state instanceof BrokerState.Unresponsive unresponsive) {
            progress.accept("voice-broker (pid " + unresponsive.info().pid() + ") does not answer /api/health: restarting it");
            stopBroker(unresponsive.info());
            reason = Optional.of("the old broker did not answer");
        } else if (state instanceof BrokerState.Stale stale) {
            progress.accept("removing the stale runtime file of pid " + stale.info().pid() + " (it no longer runs)");
            removeStaleFile(stale.info());
        } else if (state instanceof BrokerState.Foreign foreign) {
            throw LaunchException.portInUse(files.port(), foreign.holder());
        }
        // A stale file says nothing about who listens now; an old broker's port must really be free again.
        if (!(state instanceof BrokerState.Absent) && Ports.isListening(files.port())) {
            throw LaunchException.portInUse(files.port(), "another program");
        }
        return reason;
    }

    private StopResult stopped(RuntimeInfo info) throws LaunchException {
        stopBroker(info);
        return new StopResult(Optional.of(info.pid()), false, Optional.empty());
    }

    /** Signals the pid only after its command line proves it is a broker (pids get recycled). */
    private void stopBroker(RuntimeInfo info) throws LaunchException {
        if (!BrokerProcesses.isBroker(info.pid())) {
            if (!BrokerProcesses.isAlive(info.pid())) {
                removeStaleFile(info);
                return;
            }
            throw LaunchException.failed("pid " + info.pid() + " from " + info.file() + " cannot be confirmed to be a voice-broker "
                    + "(its command line is not visible or does not show " + BrokerProcesses.JAR_NAME + "), so it was not signalled.",
                    "check it with 'ps -p " + info.pid() + " -o pid,user,cmd'; stop the broker by hand and delete " + info.file() + ".");
        }
        BrokerProcesses.stop(info.pid(), BrokerProcesses.STOP_GRACE);
        RuntimeFile.removeIfOwned(info.file(), info.pid());
    }

    private void removeStaleFile(RuntimeInfo info) throws LaunchException {
        try {
            Files.deleteIfExists(info.file());
        } catch (IOException e) {
            throw LaunchException.runtimeDir(info.file().getParent(), e);
        }
    }

    private BrokerConfig config() throws LaunchException {
        try {
            return environment.config();
        } catch (ConfigException e) {
            throw LaunchException.config(e);
        }
    }

    private Duration startTimeout() throws LaunchException {
        try {
            return environment.startTimeout();
        } catch (ConfigException e) {
            throw LaunchException.config(e);
        }
    }
}
