package voicebroker.deadline;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Deadlines kept by one daemon thread that sweeps them a few times a second and runs the expiry action of each one
 * past its time. Timeouts on each read cannot bound a whole exchange: a peer that sends one byte just before each
 * timeout (slowloris, or an upstream trickling its answer) never trips them, and a write to a peer that never reads
 * has no timeout at all. Setting or moving a deadline is a volatile write and watching one a set insertion: nothing
 * is scheduled per request, and nobody is woken per request.
 */
public final class Deadlines implements AutoCloseable {
    private static final long NONE = Long.MAX_VALUE;
    private final Set<Deadline> watched = ConcurrentHashMap.newKeySet();
    private final String threadName;
    private final long sweepMillis;
    private volatile Thread sweeper;

    /** Deadlines swept every {@code sweepMillis} by a thread of that name, started on first use. */
    public Deadlines(String threadName, long sweepMillis) {
        this.threadName = threadName;
        this.sweepMillis = sweepMillis;
    }

    /** Watches one thing; it has no deadline until {@link Deadline#within} sets one, and {@code onExpiry} runs at most once. */
    public Deadline watch(Runnable onExpiry) {
        ensureSweeper();
        Deadline deadline = new Deadline(onExpiry);
        watched.add(deadline);
        return deadline;
    }

    /** Watches one thing that must be done within {@code time}. */
    public Deadline start(Runnable onExpiry, Duration time) {
        Deadline deadline = watch(onExpiry);
        deadline.within(time.toNanos());
        return deadline;
    }

    private void ensureSweeper() {
        if (sweeper == null) {
            synchronized (this) {
                if (sweeper == null) {
                    Thread thread = new Thread(this::sweep, threadName);
                    thread.setDaemon(true);
                    thread.start();
                    sweeper = thread;
                }
            }
        }
    }

    private void sweep() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(sweepMillis);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Deadline deadline : watched) {
                long at = deadline.at;
                if (at != NONE && now - at > 0) {
                    deadline.expire();
                }
            }
        }
    }

    /** Stops the sweeper and expires everything still watched: its owner is going away. */
    @Override
    public void close() {
        Thread thread = sweeper;
        if (thread != null) {
            thread.interrupt();
        }
        watched.forEach(Deadline::expire);
    }

    /** One watched thing's deadline. */
    public final class Deadline implements AutoCloseable {
        private final Runnable onExpiry;
        private volatile long at = NONE;
        private volatile boolean expired;

        private Deadline(Runnable onExpiry) {
            this.onExpiry = onExpiry;
        }

        /** It must be done within {@code nanos} from now. */
        public void within(long nanos) {
            at = System.nanoTime() + nanos;
        }

        /** No deadline for now. */
        public void stop() {
            at = NONE;
        }

        /** True when the deadline passed and the expiry action ran for it. */
        public boolean expired() {
            return expired;
        }

        private void expire() {
            if (watched.remove(this)) {
                expired = true;
                onExpiry.run();
            }
        }

        /** Done: no longer watched. */
        @Override
        public void close() {
            watched.remove(this);
        }
    }
}
