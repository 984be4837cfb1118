package voicebroker.server;

import java.time.Duration;
import org.apache.hc.core5.util.Timeout;
import voicebroker.config.Limits;

/** The server's clocks, from the broker's limits, in the units the connection loop needs. */
record ServerTimes(Timeout firstRequest, Timeout keepAlive, long requestNanos, long answerNanos) {
    /** How long an answer may take to send, the upstream's time included: long enough for any speech. */
    static final Duration ANSWER_TIME = Duration.ofMinutes(5);

    static ServerTimes of(Limits limits, Duration answerTime) {
        Duration request = limits.maxRequestTime();
        return new ServerTimes(Timeout.of(request.compareTo(limits.idleKeepAlive()) < 0 ? request : limits.idleKeepAlive()),
                Timeout.of(limits.idleKeepAlive()), request.toNanos(), answerTime.toNanos());
    }
}
