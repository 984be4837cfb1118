package voicebroker.adversarial;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Many slow clients on one thread (slowloris and friends): each connection sends a prefix at once, then one byte
 * of filler every {@code every}, forever, until the server closes it or {@link #close()} is called. Non-blocking
 * channels let one thread watch hundreds of them and notice the moment the server hangs up. The loop is bounded:
 * it stops by itself after {@code maxRun}.
 */
final class SlowClients implements AutoCloseable {
    private final List<Slow> clients = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread loop;
    private final long startNanos = System.nanoTime();
    private volatile int refusedAtConnect;

    private static final class Slow {
        final SocketChannel channel;
        volatile boolean closedByServer;
        volatile long closedAtNanos;
        volatile boolean answered;

        Slow(SocketChannel channel) {
            this.channel = channel;
        }
    }

    private SlowClients(String host, int port, int count, byte[] prefix, byte filler, Duration every, Duration maxRun) {
        for (int i = 0; i < count; i++) {
            try {
                SocketChannel channel = SocketChannel.open();
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.connect(new InetSocketAddress(host, port));
                channel.configureBlocking(false);
                if (prefix.length > 0) {
                    channel.write(ByteBuffer.wrap(prefix));
                }
                clients.add(new Slow(channel));
            } catch (IOException refused) {
                refusedAtConnect++;
            }
        }
        loop = new Thread(() -> run(filler, every, maxRun), "slow-clients");
        loop.setDaemon(true);
        loop.start();
    }

    /** Opens {@code count} connections that each send {@code prefix}, then trickle {@code filler}. */
    static SlowClients open(int port, int count, String prefix, char filler, Duration every, Duration maxRun) {
        return new SlowClients("127.0.0.1", port, count, prefix.getBytes(StandardCharsets.ISO_8859_1), (byte) filler, every, maxRun);
    }

    /** Opens {@code count} connections that never send a byte. */
    static SlowClients idle(String host, int port, int count, Duration maxRun) {
        return new SlowClients(host, port, count, new byte[0], (byte) 0, null, maxRun);
    }

    private void run(byte filler, Duration every, Duration maxRun) {
        long deadline = startNanos + maxRun.toNanos();
        ByteBuffer sink = ByteBuffer.allocate(4096);
        long nextWrite = System.nanoTime();
        while (running.get() && System.nanoTime() < deadline) {
            boolean write = every != null && System.nanoTime() >= nextWrite;
            if (write) {
                nextWrite = System.nanoTime() + every.toNanos();
            }
            for (Slow slow : clients) {
                if (slow.closedByServer) {
                    continue;
                }
                try {
                    sink.clear();
                    int read = slow.channel.read(sink);
                    if (read > 0) {
                        slow.answered = true;
                    }
                    if (read < 0) {
                        markClosed(slow);
                        continue;
                    }
                    if (write) {
                        slow.channel.write(ByteBuffer.wrap(new byte[] {filler}));
                    }
                } catch (IOException reset) {
                    markClosed(slow);
                }
            }
            Vitals.sleep(20);
        }
    }

    private static void markClosed(Slow slow) {
        slow.closedAtNanos = System.nanoTime();
        slow.closedByServer = true;
    }

    int connected() {
        return clients.size();
    }

    int refusedAtConnect() {
        return refusedAtConnect;
    }

    int closedByServer() {
        return (int) clients.stream().filter(s -> s.closedByServer).count();
    }

    int answered() {
        return (int) clients.stream().filter(s -> s.answered).count();
    }

    /** Waits until the server has closed at least {@code count} connections; answers whether it did in time. */
    boolean awaitClosedByServer(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (closedByServer() < count) {
            if (System.nanoTime() > deadline || !loop.isAlive()) {
                return false;
            }
            Vitals.sleep(50);
        }
        return true;
    }

    /** Seconds from opening until the last connection the server closed was closed. */
    double secondsUntilLastClosed() {
        return clients.stream().filter(s -> s.closedByServer).mapToLong(s -> s.closedAtNanos - startNanos).max().orElse(0) / 1e9;
    }

    @Override
    public void close() {
        running.set(false);
        try {
            loop.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Slow slow : clients) {
            try {
                slow.channel.close();
            } catch (IOException ignored) {
                // closing our end: nothing to do
            }
        }
    }
}
