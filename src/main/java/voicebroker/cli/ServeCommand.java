package voicebroker.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.nio.file.Path;
import java.util.Optional;
import voicebroker.config.BrokerConfig;
import voicebroker.config.ConfigException;
import voicebroker.config.ConfigLoader;
import voicebroker.http.BrokerServer;
import voicebroker.http.ColdStart;
import voicebroker.launcher.BrokerSpawner;
import voicebroker.launcher.RuntimeInfo;
import voicebroker.log.Log;
import voicebroker.runtime.RuntimeFile;

/**
 * {@code voice serve}: runs the broker in the foreground. Start-up order: configuration (exit 2 on any
 * problem), bind (exit 2 if the port is taken), runtime file, then the readiness line on standard output,
 * which is the signal the launcher waits for.
 *
 * <p>Started in the background by {@code voice start}, the broker gets {@code VOICE_LOG_FILE} and then logs
 * to that file (size-capped, rotated) instead of standard error, and writes nothing to standard output after
 * the readiness line: the launcher stops reading its end of that pipe and exits.
 */
final class ServeCommand {
    /** The one line on standard output that says the broker is serving. Its format is a contract. */
    static final String READY_PREFIX = "voice-broker ready url=";

    private ServeCommand() {
    }

    static int run() {
        ColdStart.beginInBackground();
        BrokerConfig config;
        try {
            config = ConfigLoader.fromEnvironment();
        } catch (ConfigException e) {
            return Main.fail(e);
        }
        Optional<Path> logFile = launcherLogFile();
        if (logFile.isPresent()) {
            try {
                Log.toFile(logFile.get(), BrokerSpawner.LOG_FILE_MAX_BYTES);
            } catch (IOException e) {
                return Main.fail(new ConfigException("runtime_dir", "VOICE_RUNTIME_DIR", "the log file " + logFile.get()
                        + " could not be opened (" + e.getMessage() + ").", "point VOICE_RUNTIME_DIR at a directory this user can write."));
            }
        }
        BrokerServer server;
        try {
            server = BrokerServer.start(config);
        } catch (BindException e) {
            return Main.fail(new ConfigException("port_in_use", "VOICE_PORT", "port " + config.port()
                    + " is already in use on this machine.", "stop what holds it ('./voice status' tells if it is a broker), "
                    + "or set VOICE_PORT to a free port."));
        } catch (IOException e) {
            return Main.fail(new ConfigException("bind_failed", "VOICE_BIND", "the broker could not listen ("
                    + e.getMessage() + ").", "check VOICE_BIND and VOICE_PORT."));
        }
        long pid = ProcessHandle.current().pid();
        Path runtimeFile = RuntimeFile.path(config.runtimeDir(), config.port());
        try {
            RuntimeFile.write(runtimeFile, RuntimeInfo.contents(config, server.url(), pid, RuntimeInfo.STARTED_BY_SHELL));
        } catch (IOException e) {
            server.close();
            return Main.fail(new ConfigException("runtime_dir", "VOICE_RUNTIME_DIR", "the runtime file could not be written in "
                    + config.runtimeDir() + " (" + e.getMessage() + ").", "point VOICE_RUNTIME_DIR at a directory this user can write."));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            RuntimeFile.removeIfOwned(runtimeFile, pid);
            server.close();
        }, "broker-shutdown"));
        System.out.println(READY_PREFIX + server.url() + " pid=" + pid);
        System.out.flush();
        server.warmUpstream();
        logStartup(config, server, runtimeFile); // after the readiness line: the launcher is waiting for it
        if (logFile.isPresent()) {
            // The launcher closes its end of the stdout pipe once it has the readiness line; nothing may be
            // written there after it (the JVM ignores SIGPIPE, but a write would still fail).
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        }
        return Main.KEEP_RUNNING;
    }

    /**
     * Read straight from the process environment, not through ConfigLoader: it is not user configuration but
     * plumbing between the launcher and the child it spawns (and must not come from a .env file).
     */
    private static Optional<Path> launcherLogFile() {
        String value = System.getenv(BrokerSpawner.LOG_FILE_VARIABLE);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(Path.of(value.strip()));
    }

    private static void logStartup(BrokerConfig config, BrokerServer server, Path runtimeFile) {
        if (!config.bindBeyondLoopback().isEmpty()) {
            // Loud on purpose: this mode exists only so tests can prove the peer guard.
            Log.warn("UNSAFE: LISTENING BEYOND LOOPBACK on " + config.bindBeyondLoopback() + " (VOICE_UNSAFE_TEST_BIND=1): the port is "
                    + "reachable from the network; peers off this machine are refused, but this mode is for tests only");
        }
        Log.info("voice-broker listening on " + server.addresses() + "; upstream " + config.base().api()
                + (config.keyed() ? " (key " + config.apiKey().get().masked() + ")" : " (no key: mints answer no_key)"));
        Log.info("allowed origins " + config.allowedOrigins() + "; models " + config.models() + "; modes "
                + config.templates().modes() + "; token " + (config.tokenGenerated() ? "generated" : "configured")
                + ", in " + runtimeFile);
    }
}
