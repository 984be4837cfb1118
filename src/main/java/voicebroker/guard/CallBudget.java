package voicebroker.guard;

import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import voicebroker.error.ErrorCode;
import voicebroker.error.Refusal;

/**
 * Caps what a caller holding the token can spend: upstream calls in flight (a semaphore) and calls per minute
 * (a bucket of that many calls that refills continuously, kept without a lock). Either cap answers
 * {@code rate_limited} with Retry-After.
 */
public final class CallBudget {
    private static final long MINUTE_NANOS = TimeUnit.MINUTES.toNanos(1);
    private final Semaphore inFlight;
    private final int perMinute;
    /** Nanoseconds the bucket needs to refill one call. */
    private final long refillNanos;
    /**
     * The bucket as one number, so that taking from it is a compare-and-set, not a lock every mint queues on: the
     * time at which it will be full again (the "theoretical arrival time" of the generic cell rate algorithm). Each
     * call pushes it {@code refillNanos} later; a call that would push it more than a minute ahead is refused.
     */
    private final AtomicLong fullAt;

    public CallBudget(int maxInFlight, int perMinute) {
        this.inFlight = new Semaphore(maxInFlight);
        this.perMinute = perMinute;
        this.refillNanos = MINUTE_NANOS / perMinute;
        this.fullAt = new AtomicLong(System.nanoTime());
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

    /** Takes one call from the per-minute bucket: 0, or the whole seconds until one is back. */
    private long takeFromBucket() {
        while (true) {
            long now = System.nanoTime();
            long full = fullAt.get();
            long next = Math.max(full - now, 0) + refillNanos; // how far ahead "full" would be with this call taken
            if (next > MINUTE_NANOS) {
                return RetryAfter.seconds(next - MINUTE_NANOS);
            }
            if (fullAt.compareAndSet(full, now + next)) {
                return 0;
            }
        }
    }

    /** The wait is in the words too: a page or a terminal shows the message, rarely the Retry-After header. */
    private static Refusal limited(String message, long retryAfterSeconds) {
        long seconds = Math.max(1, retryAfterSeconds);
        return Refusal.of(ErrorCode.RATE_LIMITED, message + " Retry in " + seconds + " s.",
                        "Wait " + seconds + " s, then retry; raise VOICE_CALLS_PER_MINUTE or VOICE_UPSTREAM_CONCURRENCY if this is normal use.")
                .withHeader("Retry-After", Long.toString(seconds));
    }
}
