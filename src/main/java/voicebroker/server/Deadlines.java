package voicebroker.server;

import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long a connection may spend on each stage of a request, enforced by one daemon thread that sweeps the open
 * connections a few times a second and closes those past their deadline. A socket's read timeout cannot do this
 * alone: a client that sends one byte just before each timeout (slowloris) would hold its connection forever, and
 * a write to a client that never reads blocks without any timeout. Moving a deadline is a volatile write; nothing
 * is scheduled per request.
 */
final class Deadlines implements AutoCloseable {
    private static final long NONE = Long.MAX_VALUE;
    private final Set<Clock> open = ConcurrentHashMap.newKeySet();
    private final Thread sweeper;

    Deadlines(long sweepMillis) {
        this.sweeper = new Thread(() -> sweep(sweepMillis), "broker-deadlines");
        sweeper.setDaemon(true);
        sweeper.start();
    }

    /** Starts watching one connection; it has no deadline until one is set. */
    Clock watch(Socket socket) {
        Clock clock = new Clock(socket);
        open.add(clock);
        return clock;
    }

    private void sweep(long sweepMillis) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(sweepMillis);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Clock clock : open) {
                long deadline = clock.deadline;
                if (deadline != NONE && now - deadline > 0) {
                    clock.expire();
                }
            }
        }
    }

    /** Stops the sweeper and cuts every connection still open: the server is going away. */
    @Override
    public void close() {
        sweeper.interrupt();
        open.forEach(Clock::expire);
    }

    /** One connection's deadline. */
    final class Clock implements AutoCloseable {
        private final Socket socket;
        private volatile long deadline = NONE;

        private Clock(Socket socket) {
            this.socket = socket;
        }

        /** The connection must be done with its current stage within {@code nanos} from now, or it is closed. */
        void within(long nanos) {
            deadline = System.nanoTime() + nanos;
        }

        /** No deadline: the connection waits between requests, which its socket timeout bounds. */
        void stop() {
            deadline = NONE;
        }

        private void expire() {
            open.remove(this);
            try {
                socket.close(); // whatever the connection's thread is blocked on fails at once
            } catch (java.io.IOException alreadyGone) {
                // closed either way
            }
        }

        @Override
        public void close() {
            open.remove(this);
        }
    }
}
