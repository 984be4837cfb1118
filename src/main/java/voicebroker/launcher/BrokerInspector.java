package voicebroker.launcher;

import java.util.Optional;

/** Tells what holds a port, from the runtime file, the process table and the port itself. Changes nothing. */
public final class BrokerInspector {

    private BrokerInspector() {
    }

    public static BrokerState inspect(LaunchFiles files) {
        Optional<RuntimeInfo> info = RuntimeInfo.read(files.runtimeFile());
        if (info.isPresent()) {
            return fromRuntimeFile(info.get(), files.port());
        }
        if (!Ports.isListening(files.port())) {
            return new BrokerState.Absent();
        }
        return new BrokerState.Foreign(HealthProbe.isVoiceBroker(files.port())
                ? "a voice-broker without a runtime file in " + files.runtimeDir() + " (started with another VOICE_RUNTIME_DIR?)"
                : "another program");
    }

    private static BrokerState fromRuntimeFile(RuntimeInfo info, int port) {
        if (!BrokerProcesses.isAlive(info.pid())) {
            return new BrokerState.Stale(info);
        }
        Optional<Boolean> runsBrokerJar = BrokerProcesses.runsBrokerJar(info.pid());
        if (runsBrokerJar.equals(Optional.of(false))) {
            // the pid was recycled by another program: the broker that wrote the file is gone
            return new BrokerState.Stale(info);
        }
        if (HealthProbe.isVoiceBroker(port)) {
            return new BrokerState.Running(info);
        }
        // Silent, and its command line is not even visible: not a broker anyone can use or safely signal.
        return runsBrokerJar.isPresent() ? new BrokerState.Unresponsive(info) : new BrokerState.Stale(info);
    }
}
