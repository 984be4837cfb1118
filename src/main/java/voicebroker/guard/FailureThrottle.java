package voicebroker.guard;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Counts wrong-token attempts in a sliding window. Once the window is full, further wrong attempts are
 * answered {@code too_many_failures}; the right token is still accepted, so an attacker cannot lock the
 * dashboard out by guessing.
 */
public final class FailureThrottle {
    private final int allowed;
    private final long windowNanos;
    private final Deque<Long> failures = new ArrayDeque<>();

    public FailureThrottle(int allowed, Duration window) {
        this.allowed = allowed;
        this.windowNanos = window.toNanos();
    }

    /** Records a failure; answers how many seconds to wait if the window was already full, else 0. */
    public synchronized long recordFailure() {
        long now = System.nanoTime();
        while (!failures.isEmpty() && now - failures.peekFirst() > windowNanos) {
            failures.removeFirst();
        }
        if (failures.size() >= allowed) {
            long waitNanos = windowNanos - (now - failures.peekFirst());
            return RetryAfter.seconds(waitNanos);
        }
        failures.addLast(now);
        return 0;
    }
}
