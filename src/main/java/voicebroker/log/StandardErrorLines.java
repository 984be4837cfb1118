package voicebroker.log;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Log lines to standard error through a bounded queue and one writer thread, so that a request thread never
 * waits on the pipe: when whoever reads the broker's standard error falls behind, the lines wait here (up to
 * {@value #CAPACITY}), and past that they are counted and the count is logged, instead of every request thread
 * blocking on a full pipe until the server runs out of threads. Lines still queued at exit are written first.
 * The writer writes a line as soon as it comes, then gathers what follows for {@value #GATHER_MILLIS} ms and
 * writes that in one go, and goes on gathering as long as lines come: a busy broker (one access log line per
 * request) writes to the pipe a few dozen times a second, not once per request, without its request threads
 * waking the writer, and a quiet one still logs at once.
 */
final class StandardErrorLines {
    private static final int CAPACITY = 16_384;
    private static final long GATHER_MILLIS = 20;
    private static final BlockingQueue<String> QUEUE = new ArrayBlockingQueue<>(CAPACITY);
    private static final AtomicLong DROPPED = new AtomicLong();

    static {
        Thread writer = new Thread(StandardErrorLines::writeForever, "log-writer");
        writer.setDaemon(true);
        writer.start();
        Runtime.getRuntime().addShutdownHook(new Thread(StandardErrorLines::drain, "log-drain"));
    }

    private StandardErrorLines() {
    }

    static void accept(String line) {
        if (!QUEUE.offer(line)) {
            DROPPED.incrementAndGet();
        }
    }

    /**
     * While lines keep coming the writer only sleeps and drains; it waits on the queue, to be woken by the next
     * line, only once a gathering found nothing. Waiting on it after every gathering made a busy broker's request
     * threads wake the writer dozens of times a second.
     */
    private static void writeForever() {
        List<String> gathered = new ArrayList<>();
        while (true) {
            try {
                if (gathered.isEmpty()) {
                    write(QUEUE.take());
                } else {
                    write(String.join(System.lineSeparator(), gathered));
                    gathered.clear();
                }
                Thread.sleep(GATHER_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            QUEUE.drainTo(gathered);
        }
    }

    /** At exit: whatever is queued, for at most a second (a reader that never reads must not hold the exit). */
    private static void drain() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        for (String line = QUEUE.poll(); line != null && System.nanoTime() < deadline; line = QUEUE.poll()) {
            write(line);
        }
    }

    private static void write(String line) {
        synchronized (System.err) {
            long dropped = DROPPED.getAndSet(0);
            if (dropped > 0) {
                System.err.println("(" + dropped + " log lines dropped: standard error was not read fast enough)");
            }
            System.err.println(line);
        }
    }
}
