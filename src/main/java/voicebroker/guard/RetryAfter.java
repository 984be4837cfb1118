package voicebroker.guard;

/** How long a refused caller is told to wait: whole seconds, rounded up, and never 0, which would mean "now". */
final class RetryAfter {
    private static final long SECOND_NANOS = 1_000_000_000L;

    private RetryAfter() {
    }

    static long seconds(long waitNanos) {
        return Math.max(1, (waitNanos + SECOND_NANOS - 1) / SECOND_NANOS);
    }
}
