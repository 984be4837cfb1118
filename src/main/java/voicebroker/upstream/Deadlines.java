package voicebroker.upstream;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hc.core5.concurrent.Cancellable;

/**
 * The total timeout of upstream calls. Socket timeouts bound each wait, but an upstream that trickles a byte
 * now and then never trips them; so each call registers here and one daemon thread, sweeping a few times a
 * second, cancels those past their deadline. Registering is a set insertion: no timer task, no wake-up per call.
 */
final class Deadlines {
    private final Set<Call> inFlight = ConcurrentHashMap.newKeySet();
    private final long sweepMillis;
    private volatile Thread sweeper;

    Deadlines(Duration timeout) {
        this.sweepMillis = Math.max(10, Math.min(250, timeout.toMillis() / 20));
    }

    /** Starts the clock on one call; close the answer when the call is over. */
    Call start(Cancellable call, Duration total) {
        ensureSweeper();
        Call registered = new Call(call, System.nanoTime() + total.toNanos());
        inFlight.add(registered);
        return registered;
    }

    private void ensureSweeper() {
        if (sweeper == null) {
            synchronized (this) {
                if (sweeper == null) {
                    Thread thread = new Thread(this::sweep, "upstream-deadlines");
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
            for (Call call : inFlight) {
                if (now - call.deadline > 0) {
                    call.expire();
                }
            }
        }
    }

    /** One call on the clock. */
    final class Call implements AutoCloseable {
        private final Cancellable target;
        private final long deadline;
        private volatile boolean expired;

        private Call(Cancellable target, long deadline) {
            this.target = target;
            this.deadline = deadline;
        }

        /** True when the deadline passed and the call was cancelled for it. */
        boolean expired() {
            return expired;
        }

        private void expire() {
            expired = true;
            inFlight.remove(this);
            target.cancel();
        }

        @Override
        public void close() {
            inFlight.remove(this);
        }
    }
}
