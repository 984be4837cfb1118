package voicebroker.startvoice;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import voicebroker.launcher.InProcessBroker;
import voicebroker.launcher.LaunchEnvironment;
import voicebroker.launcher.LaunchException;
import voicebroker.launcher.LaunchResult;
import voicebroker.launcher.Launcher;
import voicebroker.launcher.RuntimeInfo;

/**
 * The dev server launcher's {@link StartVoiceHandler.Starter}: a {@link Launcher} whose new brokers run in
 * this process, plus the warm-click answer. A broker running here was started by this process for these
 * origins and this environment; while neither the origins nor the {@code .env} file changed, and it still
 * runs, a click gets its address and token straight away, without parsing the configuration again, taking
 * the launch lock or probing the port. Anything else goes through the launcher, which decides under its lock.
 */
public final class DevServerStarter implements StartVoiceHandler.Starter {
    private final Consumer<String> progress;
    private final InProcessBroker host;
    private Served served;

    /** What the broker running here was last found to serve. */
    private record Served(List<String> origins, String dotEnvStamp, long pid) {
    }

    public DevServerStarter(Consumer<String> progress, InProcessBroker host) {
        this.progress = progress;
        this.host = host;
    }

    /** Readies this process for its first click in the background ({@link LauncherWarmup}). */
    public void warmUpInBackground() {
        LauncherWarmup.inBackground(this);
    }

    /** Work that must not overlap a click (the warm-up's throwaway broker shares this process's log). */
    interface Exclusive {
        void run() throws java.io.IOException, LaunchException;
    }

    synchronized void whileNoClickIsServed(Exclusive work) throws java.io.IOException, LaunchException {
        work.run();
    }

    @Override
    public synchronized StartVoiceHandler.Started start(List<String> allowedOrigins, String pageOrigin) throws LaunchException {
        String stamp = LaunchEnvironment.dotEnvStamp();
        Optional<RuntimeInfo> here = host.running();
        if (here.isPresent() && Objects.equals(served, new Served(allowedOrigins, stamp, here.get().pid()))) {
            RuntimeInfo info = here.get();
            return new StartVoiceHandler.Started(info.url(), info.token(), info.keyed(), true);
        }
        LaunchEnvironment environment = LaunchEnvironment.current(Map.of("VOICE_ALLOWED_ORIGINS", String.join(",", allowedOrigins)));
        LaunchResult result = new Launcher(environment, progress, host).start(List.of(pageOrigin));
        served = result.info().inThisProcess() ? new Served(List.copyOf(allowedOrigins), stamp, result.info().pid()) : null;
        return new StartVoiceHandler.Started(result.info().url(), result.info().token(), result.info().keyed(), result.already(),
                result.restartReason());
    }
}
