package voicebroker.launcher;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import voicebroker.config.BrokerConfig;
import voicebroker.config.ConfigException;
import voicebroker.http.BrokerServer;
import voicebroker.log.Log;
import voicebroker.runtime.RuntimeFile;

/**
 * Runs the broker inside the launcher's own process. A dev server's launcher JVM is started with the dev
 * server and is already warm when the first click comes, so binding the broker here costs milliseconds where
 * a new JVM costs hundreds. The broker then lives exactly as long as this process: the dev server's launcher
 * ends when the dev server closes its pipe, and a shutdown hook closes the server and removes the runtime file.
 * At most one broker runs here at a time; the launch lock serializes callers.
 */
public final class InProcessBroker implements BrokerHost {
    private final long pid = ProcessHandle.current().pid();
    private BrokerServer server;
    private Path runtimeFile;
    private RuntimeInfo running;

    public InProcessBroker() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "in-process-broker-shutdown"));
    }

    @Override
    public synchronized Ready start(LaunchEnvironment environment, LaunchFiles files, Duration timeout) throws LaunchException {
        long begin = System.nanoTime();
        stop();
        BrokerConfig config = environment.config();
        try {
            Log.toFile(files.log(), BrokerSpawner.LOG_FILE_MAX_BYTES);
        } catch (IOException e) {
            throw LaunchException.runtimeDir(files.runtimeDir(), e);
        }
        BrokerServer listening = listen(config, files);
        try {
            RuntimeFile.write(files.runtimeFile(), RuntimeInfo.contents(config, listening.url(), pid, RuntimeInfo.STARTED_BY_DEV_SERVER));
        } catch (IOException e) {
            listening.close();
            throw LaunchException.runtimeDir(files.runtimeDir(), e);
        }
        server = listening;
        runtimeFile = files.runtimeFile();
        running = RuntimeInfo.read(runtimeFile).orElse(null);
        Log.info("voice-broker listening on " + listening.addresses() + " in the dev server's launcher (pid " + pid + "); upstream "
                + config.base().api() + (config.keyed() ? " (key " + config.apiKey().get().masked() + ")" : " (no key: mints answer no_key)")
                + "; allowed origins " + config.allowedOrigins());
        listening.warmUpstream(); // in the background: the first mint then finds the upstream client built and connected
        return new Ready(pid, Duration.ofNanos(System.nanoTime() - begin));
    }

    private static BrokerServer listen(BrokerConfig config, LaunchFiles files) throws LaunchException {
        try {
            return BrokerServer.start(config);
        } catch (BindException e) {
            throw LaunchException.portInUse(files.port(), "another program (it took the port while the broker was starting)");
        } catch (IOException e) {
            throw LaunchException.config(new ConfigException("bind_failed", "VOICE_BIND", "the broker could not listen ("
                    + e.getMessage() + ").", "check VOICE_BIND and VOICE_PORT."));
        }
    }

    /** Closes the broker running here, if one does, and removes its runtime file. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        RuntimeFile.removeIfOwned(runtimeFile, pid);
        server.close();
        Log.info("voice-broker in the dev server's launcher (pid " + pid + ") stopped");
        server = null;
        runtimeFile = null;
        running = null;
    }

    /** The broker running here, as its runtime file describes it, if one runs. */
    public synchronized Optional<RuntimeInfo> running() {
        return Optional.ofNullable(running);
    }
}
