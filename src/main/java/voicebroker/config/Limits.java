package voicebroker.config;

import java.time.Duration;

/**
 * Every bound the broker enforces, in one place (threat model rule 8). The JDK's own defaults bound almost
 * none of these, so each is set explicitly. Most are fixed; the few a user or a load test may need to change
 * come from the environment.
 */
public record Limits(
        int maxHeaderBytes,
        int maxBodyBytes,
        Duration maxRequestTime,
        Duration idleKeepAlive,
        int maxConnections,
        int workerThreads,
        Duration upstreamConnectTimeout,
        Duration upstreamTimeout,
        int maxUpstreamJsonBytes,
        int upstreamConcurrency,
        int callsPerMinute,
        int tokenFailuresAllowed,
        Duration tokenFailureWindow) {

    public static final int MAX_HEADER_BYTES = 8 * 1024;
    public static final int MAX_BODY_BYTES = 16 * 1024;

    public static Limits defaults() {
        return new Limits(MAX_HEADER_BYTES, MAX_BODY_BYTES, Duration.ofSeconds(10), Duration.ofSeconds(30),
                128, 16, Duration.ofSeconds(5), Duration.ofSeconds(15), 64 * 1024, 8, 60, 10,
                Duration.ofSeconds(10));
    }

    public Limits withUpstreamTimeout(Duration timeout) {
        return new Limits(maxHeaderBytes, maxBodyBytes, maxRequestTime, idleKeepAlive, maxConnections, workerThreads,
                upstreamConnectTimeout, timeout, maxUpstreamJsonBytes, upstreamConcurrency, callsPerMinute,
                tokenFailuresAllowed, tokenFailureWindow);
    }

    public Limits withCallRates(int concurrency, int perMinute) {
        return new Limits(maxHeaderBytes, maxBodyBytes, maxRequestTime, idleKeepAlive, maxConnections, workerThreads,
                upstreamConnectTimeout, upstreamTimeout, maxUpstreamJsonBytes, concurrency, perMinute,
                tokenFailuresAllowed, tokenFailureWindow);
    }
}
