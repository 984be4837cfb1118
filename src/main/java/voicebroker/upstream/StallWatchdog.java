package voicebroker.upstream;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes an upstream stream that has made no progress for too long. Blocking reads on the JDK client's body
 * stream have no timeout of their own; closing the stream is what unblocks them, and it also cancels the
 * upstream exchange.
 */
final class StallWatchdog implements AutoCloseable {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "upstream-watchdog");
        t.setDaemon(true);
        return t;
    });
    private final Closeable target;
    private final long idleNanos;
    private final ScheduledFuture<?> task;
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean fired;

    private StallWatchdog(Closeable target, Duration idle) {
        this.target = target;
        this.idleNanos = idle.toNanos();
        long period = Math.max(50, Math.min(1000, idle.toMillis() / 4));
        this.task = TIMER.scheduleAtFixedRate(this::checkStall, period, period, TimeUnit.MILLISECONDS);
    }

    static StallWatchdog watch(Closeable target, Duration idle) {
        return new StallWatchdog(target, idle);
    }

    void progress() {
        lastProgress = System.nanoTime();
    }

    boolean fired() {
        return fired;
    }

    private void checkStall() {
        if (System.nanoTime() - lastProgress > idleNanos) {
            fired = true;
            task.cancel(false);
            try {
                target.close();
            } catch (IOException e) {
                // already broken: nothing more to do
            }
        }
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
