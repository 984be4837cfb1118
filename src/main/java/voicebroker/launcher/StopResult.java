package voicebroker.launcher;

import java.util.Optional;

/**
 * What {@code voice stop} did.
 *
 * @param stoppedPid       the broker it stopped, if one ran
 * @param staleFileRemoved true when only a stale runtime file was cleaned up
 * @param foreignHolder    what else holds the port, if something that is not our broker does (left alone)
 */
public record StopResult(Optional<Long> stoppedPid, boolean staleFileRemoved, Optional<String> foreignHolder) {
}
