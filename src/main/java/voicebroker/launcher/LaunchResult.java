package voicebroker.launcher;

import java.time.Duration;
import java.util.Optional;

/**
 * A broker that runs now.
 *
 * @param info          its runtime file (holds the token: print only where the caller asked for it)
 * @param already       true when it was already running with this configuration and nothing was started
 * @param restartReason why an older broker was stopped first, if one was
 * @param readyAfter    spawn-to-ready time of a broker started now
 * @param files         its log, stderr and runtime file paths
 */
public record LaunchResult(RuntimeInfo info, boolean already, Optional<String> restartReason, Optional<Duration> readyAfter,
                           LaunchFiles files) {

    static LaunchResult already(RuntimeInfo info, LaunchFiles files) {
        return new LaunchResult(info, true, Optional.empty(), Optional.empty(), files);
    }

    static LaunchResult started(RuntimeInfo info, LaunchFiles files, Duration readyAfter, Optional<String> restartReason) {
        return new LaunchResult(info, false, restartReason, Optional.of(readyAfter), files);
    }
}
