package voicebroker.guard;

import java.util.Optional;
import java.util.concurrent.Semaphore;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;

/**
 * Caps what a caller holding the token can spend: upstream calls in flight (a semaphore) and calls per minute
 * (a token bucket that refills continuously). Either cap answers {@code rate_limited} with Retry-After.
 */
public final class CallBudget {
    private final Semaphore inFlight;
    private final int perMinute;
    private double tokens;
    private long lastRefillNanos;

    public CallBudget(int maxInFlight, int perMinute) {
        this.inFlight = new Semaphore(maxInFlight);
        this.perMinute = perMinute;
        this.tokens = perMinute;
        this.lastRefillNanos = System.nanoTime();
    }

    /** Takes one call from the budget, or answers the refusal; on success the caller must {@link #release()}. */
    public Optional<Refusal> acquire() {
        long waitSeconds = takeFromBucket();
        if (waitSeconds > 0) {
            return Optional.of(limited("More than " + perMinute + " upstream calls in a minute (VOICE_CALLS_PER_MINUTE).", waitSeconds));
        }
        if (!inFlight.tryAcquire()) {
            return Optional.of(limited("Too many upstream calls are already in flight.", 1));
        }
        return Optional.empty();
    }

    /** Takes one call from the per-minute budget for a background call; false when it is spent. */
    public boolean takeOne() {
        return takeFromBucket() == 0;
    }

    public void release() {
        inFlight.release();
    }

    private synchronized long takeFromBucket() {
        long now = System.nanoTime();
        tokens = Math.min(perMinute, tokens + (now - lastRefillNanos) * perMinute / 60e9);
        lastRefillNanos = now;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return (long) Math.ceil((1 - tokens) * 60.0 / perMinute);
    }

    /** The wait is in the words too: a page or a terminal shows the message, rarely the Retry-After header. */
    private static Refusal limited(String message, long retryAfterSeconds) {
        long seconds = Math.max(1, retryAfterSeconds);
        return Refusal.of(ErrorCode.RATE_LIMITED, message + " Retry in " + seconds + " s.",
                        "Wait " + seconds + " s, then retry; raise VOICE_CALLS_PER_MINUTE or VOICE_UPSTREAM_CONCURRENCY if this is normal use.")
                .withHeader("Retry-After", Long.toString(seconds));
    }
}
