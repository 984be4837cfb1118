package voicebroker.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Collection;
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
 * an error, never mistaken for success.
 */
public final class Launcher {
    private final LaunchEnvironment environment;
    private final Consumer<String> progress;
    private final BrokerHost host;

    /** A launcher that starts brokers as background child processes ({@code voice start}). */
    public Launcher(LaunchEnvironment environment, Consumer<String> progress) {
        this(environment, progress, BrokerHost.childProcess());
    }

    /**
     * @param progress receives one human line per step (the CLI prints them on stderr)
     * @param host     where a new broker runs
     */
    public Launcher(LaunchEnvironment environment, Consumer<String> progress, BrokerHost host) {
        this.environment = environment;
        this.progress = progress;
        this.host = host;
    }

    /** The files of the configured port (found even when another setting is broken). */
    public LaunchFiles files() throws LaunchException {
        try {
            return environment.files();
        } catch (ConfigException e) {
            throw LaunchException.config(e);
        }
    }

    /** What holds the configured port now; looks only, never changes anything. */
    public BrokerState inspect() throws LaunchException {
        return BrokerInspector.inspect(files());
    }

    /** Makes sure one broker serving the configured origins runs (see {@link #start(Collection)}). */
    public LaunchResult start() throws LaunchException {
        return start(config().allowedOrigins());
    }

    /**
     * Makes sure one broker runs that serves this configuration for {@code neededOrigins}, starting one, or
     * restarting one that differs in something that matters ({@link RuntimeInfo#difference}); the reason names
     * what differed.
     */
    @SuppressWarnings("try") // the lock is held for the whole block, not used in it
    public LaunchResult start(Collection<String> neededOrigins) throws LaunchException {
        BrokerConfig config = config();
        Duration timeout = startTimeout();
        LaunchFiles files = files();
        files.ensureRuntimeDir();
        try (LaunchLock lock = LaunchLock.acquire(files.lock(), progress)) {
            BrokerState state = BrokerInspector.inspect(files);
            Optional<String> difference = state instanceof BrokerState.Running running
                    ? running.info().difference(config, neededOrigins) : Optional.empty();
            if (state instanceof BrokerState.Running running && difference.isEmpty()) {
                return LaunchResult.already(running.info(), files);
            }
            Optional<String> restartReason = clearTheWay(state, files, difference);
            progress.accept("starting voice-broker on port " + files.port() + "...");
            BrokerHost.Ready ready = host.start(environment, files, timeout);
            RuntimeInfo info = RuntimeInfo.read(files.runtimeFile()).filter(written -> written.pid() == ready.pid())
                    .orElseThrow(() -> LaunchException.failed("the broker (pid " + ready.pid() + ") is ready but its runtime file "
                            + files.runtimeFile() + " is missing or belongs to another process.", "run './voice stop', then start again."));
            return LaunchResult.started(info, files, ready.readyAfter(), restartReason);
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
    private Optional<String> clearTheWay(BrokerState state, LaunchFiles files, Optional<String> difference) throws LaunchException {
        Optional<String> reason = Optional.empty();
        if (state instanceof BrokerState.Running running) {
            String why = difference.orElse("its configuration differs");
            progress.accept("restarting voice-broker (pid " + running.info().pid() + ", started by " + running.info().startedBy()
                    + "): " + why);
            stopBroker(running.info());
            reason = Optional.of(why);
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

    /**
     * Signals the pid only after its command line proves it is a broker (pids get recycled). A broker in this
     * very process is closed, not signalled: this process is the dev server's launcher and keeps serving it.
     */
    private void stopBroker(RuntimeInfo info) throws LaunchException {
        if (info.inThisProcess() && host instanceof InProcessBroker here) {
            here.stop();
            return;
        }
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
